using System.Net;
using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Features;

public sealed class CreateAndGetFeatureTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Creating_the_original_example_returns_201_with_location_etag_and_the_stored_definition()
    {
        await _client.CreateAsync(FeatureApi.Minimal("stock_daily_close"));

        var response = await _client.PostJsonAsync(FeatureApi.Url, FeatureApi.StockRsi().ToJsonString());

        var body = (await response.ExpectAsync(201))!;
        Assert.Equal("/api/v1/features/stock_rsi_14d", response.Headers.Location!.AbsolutePath);
        Assert.Equal("\"1\"", response.ETag());
        Assert.Equal("stock_rsi_14d", (string?)body["feature_name"]);
        Assert.Equal("1.0.0", (string?)body["current_version"]);
        Assert.Equal("technical_indicator", (string?)body["feature_type"]);
        Assert.Equal("draft", (string?)body["status"]);
        Assert.Equal("entity_id", (string?)body["entity"]);
        Assert.Equal(["technical", "momentum", "oscillator"], body["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal("python", (string?)body["transformation"]!["transformation_type"]);
        Assert.Equal(14, (int)body["transformation"]!["parameters"]!["period"]!);
        Assert.Equal(100.0, (double)body["validation_rules"]![0]!["parameters"]!["max"]!);
        Assert.True((bool)body["validation_rules"]![0]!["is_blocking"]!);
        Assert.Equal("features.stock_rsi_14d", (string?)body["duckdb_table"]);
        Assert.Equal(0, (long)body["usage_count"]!);
        // UTC with 'Z', so a timestamp pasted into ?as_of= survives the query string.
        Assert.EndsWith("Z", (string?)body["created_at"]);

        var get = await _client.GetAsync(response.Headers.Location);
        var stored = (await get.ExpectAsync(200))!;
        Assert.Equal(body.ToJsonString(), stored.ToJsonString());
        Assert.Equal("\"1\"", get.ETag());

        var upstream = (await (await _client.GetAsync($"{FeatureApi.Url}/stock_daily_close")).ExpectAsync(200))!;
        Assert.Equal(["stock_rsi_14d"], upstream["downstream_features"]!.AsArray().Select(t => (string)t!));
    }

    [Fact]
    public async Task Defaults_are_filled_and_duplicates_in_lists_removed()
    {
        var body = FeatureApi.Minimal("defaults_feature");
        body["tags"] = new JsonArray("a", "b", "a");
        var created = await _client.CreateAsync(body);
        Assert.Equal(["a", "b"], created["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Empty(created["validation_rules"]!.AsArray());
        Assert.Null(created["transformation"]);
        Assert.Null(created["deprecated_at"]);
    }

    [Fact]
    public async Task A_duplicate_name_is_409_even_after_the_feature_is_archived()
    {
        await _client.CreateAsync(FeatureApi.Minimal("dup_feature"));
        (await (await _client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("dup_feature").ToJsonString())).ExpectProblemAsync(409)).ToString();

        await (await _client.DeleteAsync($"{FeatureApi.Url}/dup_feature")).ExpectAsync(204);
        var problem = await (await _client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("dup_feature").ToJsonString())).ExpectProblemAsync(409);
        Assert.Contains("dup_feature", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Unknown_upstream_features_are_422_naming_them()
    {
        await _client.CreateAsync(FeatureApi.Minimal("known_upstream"));
        var body = FeatureApi.Minimal("needs_upstream");
        body["upstream_features"] = new JsonArray("known_upstream", "missing_one", "missing_two");

        var problem = await (await _client.PostJsonAsync(FeatureApi.Url, body.ToJsonString())).ExpectProblemAsync(422);

        Assert.Equal(["missing_one", "missing_two"], problem["unknown_upstream_features"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{FeatureApi.Url}/needs_upstream")).StatusCode);
    }

    [Fact]
    public async Task Self_reference_and_archived_upstream_are_422()
    {
        var self = FeatureApi.Minimal("self_ref");
        self["upstream_features"] = new JsonArray("self_ref");
        var cycle = await (await _client.PostJsonAsync(FeatureApi.Url, self.ToJsonString())).ExpectProblemAsync(422);
        Assert.Contains("self_ref -> self_ref", (string?)cycle["detail"]);

        await _client.CreateAsync(FeatureApi.Minimal("gone_upstream"));
        await (await _client.DeleteAsync($"{FeatureApi.Url}/gone_upstream")).ExpectAsync(204);
        var body = FeatureApi.Minimal("on_gone");
        body["upstream_features"] = new JsonArray("gone_upstream");
        var archived = await (await _client.PostJsonAsync(FeatureApi.Url, body.ToJsonString())).ExpectProblemAsync(422);
        Assert.Equal("gone_upstream", (string?)archived["archived_upstream_features"]![0]);
    }

    [Fact]
    public async Task Get_unknown_is_404_and_a_malformed_name_is_400()
    {
        var missing = await (await _client.GetAsync($"{FeatureApi.Url}/does_not_exist")).ExpectProblemAsync(404);
        Assert.Contains("does_not_exist", (string?)missing["detail"]);

        var bad = await (await _client.GetAsync($"{FeatureApi.Url}/Not-A-Name")).ExpectProblemAsync(400);
        Assert.NotNull(bad["errors"]!["feature_name"]);
    }

    [Fact]
    public async Task Concurrent_creates_of_one_name_give_one_201_and_the_rest_409()
    {
        var body = FeatureApi.Minimal("raced_feature").ToJsonString();
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => _client.PostJsonAsync(FeatureApi.Url, body)));

        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.Equal(1, statuses.Count(s => s == 201));
        Assert.Equal(11, statuses.Count(s => s == 409));
    }
}
