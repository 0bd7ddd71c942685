using Registry.Tests.Infrastructure;

namespace Registry.Tests.Features;

public sealed class UpdateFeatureTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Url(string name) => $"{FeatureApi.Url}/{name}";

    [Fact]
    public async Task Changes_the_given_metadata_and_keeps_the_rest()
    {
        await _client.CreateAsync(FeatureApi.Minimal("upd_base"));
        await _client.CreateAsync(FeatureApi.StockRsi("upd_rsi", "upd_base"));

        var response = await _client.PutJsonAsync(Url("upd_rsi"), """{"description": "Wilder RSI", "tags": ["momentum"]}""");

        var body = (await response.ExpectAsync(200))!;
        Assert.Equal("Wilder RSI", (string?)body["description"]);
        Assert.Equal(["momentum"], body["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal("quant-team", (string?)body["owner"]);
        Assert.Equal(["upd_base"], body["upstream_features"]!.AsArray().Select(t => (string)t!));
        Assert.Equal("python", (string?)body["transformation"]!["transformation_type"]);
        Assert.Equal("\"2\"", response.ETag());
        Assert.True((DateTimeOffset)body["updated_at"]! > (DateTimeOffset)body["created_at"]!);
    }

    [Fact]
    public async Task Upstream_features_can_be_replaced_and_downstream_follows()
    {
        await _client.CreateAsync("up_a");
        await _client.CreateAsync("up_b");
        await _client.CreateAsync("up_child", "up_a");

        await (await _client.PutJsonAsync(Url("up_child"), """{"upstream_features": ["up_b"]}""")).ExpectAsync(200);

        var a = (await (await _client.GetAsync(Url("up_a"))).ExpectAsync(200))!;
        var b = (await (await _client.GetAsync(Url("up_b"))).ExpectAsync(200))!;
        Assert.Empty(a["downstream_features"]!.AsArray());
        Assert.Equal(["up_child"], b["downstream_features"]!.AsArray().Select(t => (string)t!));
    }

    [Fact]
    public async Task The_computation_changes_only_through_a_version_and_the_400_says_so()
    {
        await _client.CreateAsync("upd_comp");
        var problem = await (await _client.PutJsonAsync(Url("upd_comp"),
            """{"transformation": {"transformation_type": "sql", "code": "select 1"}}""")).ExpectProblemAsync(400);
        var message = (string)problem["errors"]!["transformation"]![0]!;
        Assert.Contains("only through a new version", message, StringComparison.Ordinal);
        Assert.Contains("/versions", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Check the spelling", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validation_rules", "[]", "new version")]
    [InlineData("data_type", "\"integer\"", "fixed when the feature is registered")]
    [InlineData("feature_type", "\"raw\"", "fixed when the feature is registered")]
    [InlineData("duckdb_table", "\"features.other\"", "fixed when the feature is registered")]
    [InlineData("colour", "\"red\"", "Check the spelling")]
    public async Task A_field_put_cannot_change_gets_a_400_saying_what_to_do(string field, string value, string says)
    {
        await _client.CreateAsync(FeatureApi.Minimal("upd_fixed"), allowExisting: true);
        var problem = await (await _client.PutJsonAsync(Url("upd_fixed"), $$"""{"owner": "x", "{{field}}": {{value}}}""")).ExpectProblemAsync(400);
        Assert.Contains(says, (string)problem["errors"]![field]![0]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_update_is_400()
    {
        await _client.CreateAsync("upd_empty");
        var problem = await (await _client.PutJsonAsync(Url("upd_empty"), "{}")).ExpectProblemAsync(400);
        Assert.NotNull(problem["errors"]!["body"]);
    }

    [Fact]
    public async Task Unknown_feature_is_404_and_unknown_upstream_422()
    {
        await (await _client.PutJsonAsync(Url("upd_nobody"), """{"owner": "x"}""")).ExpectProblemAsync(404);
        await _client.CreateAsync("upd_lonely");
        var problem = await (await _client.PutJsonAsync(Url("upd_lonely"), """{"upstream_features": ["upd_ghost"]}""")).ExpectProblemAsync(422);
        Assert.Equal("upd_ghost", (string?)problem["unknown_upstream_features"]![0]);
    }

    [Fact]
    public async Task A_change_that_would_close_a_cycle_is_422_naming_the_path()
    {
        await _client.CreateAsync("cyc_a");
        await _client.CreateAsync("cyc_b", "cyc_a");
        await _client.CreateAsync("cyc_c", "cyc_b");

        var problem = await (await _client.PutJsonAsync(Url("cyc_a"), """{"upstream_features": ["cyc_c"]}""")).ExpectProblemAsync(422);

        Assert.Equal(["cyc_a", "cyc_c", "cyc_b", "cyc_a"], problem["cycle"]!.AsArray().Select(n => (string)n!));
        var a = (await (await _client.GetAsync(Url("cyc_a"))).ExpectAsync(200))!;
        Assert.Empty(a["upstream_features"]!.AsArray());
    }

    [Fact]
    public async Task If_match_guards_against_lost_updates()
    {
        var created = await _client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("upd_etag").ToJsonString());
        var etag = created.ETag();

        var first = await _client.PutJsonAsync(Url("upd_etag"), """{"owner": "first"}""", etag);
        await first.ExpectAsync(200);
        var stale = await _client.PutJsonAsync(Url("upd_etag"), """{"owner": "second"}""", etag);
        await stale.ExpectProblemAsync(412);
        var fresh = await _client.PutJsonAsync(Url("upd_etag"), """{"owner": "third"}""", first.ETag());
        await fresh.ExpectAsync(200);

        var bad = await _client.PutJsonAsync(Url("upd_etag"), """{"owner": "x"}""", "not-an-etag");
        Assert.NotNull((await bad.ExpectProblemAsync(400))["errors"]!["If-Match"]);

        var now = (await (await _client.GetAsync(Url("upd_etag"))).ExpectAsync(200))!;
        Assert.Equal("third", (string?)now["owner"]);
    }

    [Fact]
    public async Task Concurrent_writers_with_the_same_etag_get_one_200_and_the_rest_412()
    {
        var created = await _client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("upd_race").ToJsonString());
        var etag = created.ETag();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            _client.PutJsonAsync(Url("upd_race"), $$"""{"description": "writer {{i}}"}""", etag)));

        Assert.Equal(1, responses.Count(r => (int)r.StatusCode == 200));
        Assert.Equal(9, responses.Count(r => (int)r.StatusCode == 412));
        var winner = responses.Single(r => (int)r.StatusCode == 200);
        var stored = (await (await _client.GetAsync(Url("upd_race"))).ExpectAsync(200))!;
        Assert.Equal((string?)(await winner.ReadJsonAsync())["description"], (string?)stored["description"]);
    }

    [Fact]
    public async Task Concurrent_writers_without_etag_all_land_and_no_revision_is_lost()
    {
        await _client.CreateAsync("upd_many");

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            _client.PutJsonAsync(Url("upd_many"), $$"""{"description": "writer {{i}}"}""")));

        Assert.All(responses, r => Assert.Equal(200, (int)r.StatusCode));
        var revisions = responses.Select(r => r.ETag()).Distinct().Count();
        Assert.Equal(8, revisions); // each write got its own revision: none overwrote another unseen
        var get = await _client.GetAsync(Url("upd_many"));
        Assert.Equal("\"9\"", get.ETag());
    }

    [Fact]
    public async Task An_archived_feature_cannot_be_changed()
    {
        await _client.CreateAsync("upd_archived");
        await (await _client.DeleteAsync(Url("upd_archived"))).ExpectAsync(204);
        await (await _client.PutJsonAsync(Url("upd_archived"), """{"owner": "x"}""")).ExpectProblemAsync(409);
    }
}
