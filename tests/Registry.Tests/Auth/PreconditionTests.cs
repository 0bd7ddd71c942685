using System.Text.Json.Nodes;
using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Auth;

/// <summary>Every change to a resource that has an ETag honours If-Match: a stale one is a 412 and changes nothing.</summary>
public sealed class PreconditionTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    /// <summary>The survey, kept honest: which operations take If-Match, and which change state without one (creations and appends).</summary>
    [Fact]
    public async Task Every_change_of_a_resource_with_an_ETag_takes_If_Match()
    {
        var doc = (await (await _client.GetAsync("/swagger/v1/swagger.json")).ExpectAsync(200))!;
        var operations = (from path in doc["paths"]!.AsObject()
                          from operation in path.Value!.AsObject()
                          select (Method: operation.Key, Id: (string)operation.Value!["operationId"]!, Node: operation.Value)).ToList();
        bool TakesIfMatch(JsonNode op) => op["parameters"]?.AsArray().Any(p => (string?)p!["name"] == "If-Match") == true && op["responses"]!["412"] is not null;

        Assert.Equal(
            ["activateFeature", "createFeatureSetVersion", "createVersion", "deleteFeature", "deprecateFeature", "exposeView", "ingestValues",
             "materializeValues", "revokeApiKey", "rollbackFeature", "updateFeature"],
            operations.Where(o => TakesIfMatch(o.Node)).Select(o => o.Id).Order(StringComparer.Ordinal));
        // Changes without a precondition: creating a resource (a taken name is a 409; a snapshot is new and immutable),
        // appending usage records, and starting a backfill of the online store (idempotent).
        Assert.Equal(["backfillOnlineStore", "createApiKey", "createFeature", "createFeatureSet", "createSnapshot", "recordSnapshotUsage", "recordUsage", "recordUsageBatch"],
            operations.Where(o => o.Method != "get" && (string?)o.Node["x-required-scope"] != "read" && !TakesIfMatch(o.Node))
                .Select(o => o.Id).Order(StringComparer.Ordinal));
        foreach (var id in new[] { "getFeature", "getFeatureSet", "getApiKey", "createFeatureSetVersion", "revokeApiKey" })
        {
            var op = operations.Single(o => o.Id == id).Node;
            var success = op["responses"]!.AsObject().First(r => r.Key.StartsWith('2')).Value!;
            Assert.True(success["headers"]?["ETag"] is not null, $"{id} declares no ETag");
        }
    }

    [Fact]
    public async Task Value_changes_with_a_stale_feature_ETag_are_412_and_write_nothing()
    {
        var created = await _client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("auth_values_etag").ToJsonString());
        await created.ExpectAsync(201);
        var stale = created.ETag();
        await (await _client.PutJsonAsync($"{FeatureApi.Url}/auth_values_etag", """{"owner": "someone-else"}""")).ExpectAsync(200);

        var rows = new JsonObject { ["rows"] = new JsonArray(Row("AAPL", Day(0), 1.5)) }.ToJsonString();
        var ingest = new HttpRequestMessage(HttpMethod.Post, ValuesUrl("auth_values_etag")) { Content = HttpJson.Json(rows) }.WithIfMatch(stale);
        var problem = await (await _client.SendAsync(ingest)).ExpectProblemAsync(412);
        Assert.Contains("revision 2, not 1", (string)problem["detail"]!);
        Assert.Empty(await _client.ReadValuesAsync("auth_values_etag"));

        var fresh = new HttpRequestMessage(HttpMethod.Post, ValuesUrl("auth_values_etag")) { Content = HttpJson.Json(rows) }.WithIfMatch("\"2\"");
        await (await _client.SendAsync(fresh)).ExpectAsync(200);
        Assert.Single(await _client.ReadValuesAsync("auth_values_etag"));
    }

    [Fact]
    public async Task Materialize_and_the_sql_view_with_a_stale_feature_ETag_are_412()
    {
        await _client.CreateAsync(FeatureApi.Minimal("auth_sql_base"));
        await _client.IngestAsync("auth_sql_base", Row("AAPL", Day(0), 2.0));
        var body = FeatureApi.Minimal("auth_sql_double");
        body["upstream_features"] = new JsonArray("auth_sql_base");
        body["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = "SELECT entity_id, event_ts, value * 2 AS value FROM auth_sql_base" };
        await _client.CreateAsync(body);
        await (await _client.PutJsonAsync($"{FeatureApi.Url}/auth_sql_double", """{"owner": "moved"}""")).ExpectAsync(200); // now at revision 2

        var materialize = new HttpRequestMessage(HttpMethod.Post, $"{FeatureApi.Url}/auth_sql_double/materialize").WithIfMatch("\"1\"");
        await (await _client.SendAsync(materialize)).ExpectProblemAsync(412);
        Assert.Empty(await _client.ReadValuesAsync("auth_sql_double"));
        var view = new HttpRequestMessage(HttpMethod.Put, $"{FeatureApi.Url}/auth_sql_double/view").WithIfMatch("\"1\"");
        await (await _client.SendAsync(view)).ExpectProblemAsync(412);

        var current = new HttpRequestMessage(HttpMethod.Post, $"{FeatureApi.Url}/auth_sql_double/materialize").WithIfMatch("\"2\"");
        Assert.Equal(1, (int)(await (await _client.SendAsync(current)).ExpectAsync(200))!["rows_written"]!);
        await (await _client.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"{FeatureApi.Url}/auth_sql_double/view").WithIfMatch("\"2\""))).ExpectAsync(200);
    }

    [Fact]
    public async Task Publishing_a_feature_set_version_over_a_stale_ETag_is_412_and_publishes_nothing()
    {
        await _client.CreateFeaturesAsync("auth_set_a", "auth_set_b");
        await _client.CreateSetAsync("auth_etag_set", "auth_set_a");
        var read = await _client.GetAsync($"{FeatureSetApi.Url}/auth_etag_set");
        await read.ExpectAsync(200);
        Assert.Equal("\"1.0.0\"", read.ETag());

        var first = new HttpRequestMessage(HttpMethod.Post, FeatureSetApi.VersionsUrl("auth_etag_set"))
        { Content = HttpJson.Json(FeatureSetApi.NewVersion("1.1.0", "auth_set_a", "auth_set_b").ToJsonString()) }.WithIfMatch(read.ETag());
        var published = await _client.SendAsync(first);
        await published.ExpectAsync(201);
        Assert.Equal("\"1.1.0\"", published.ETag());

        var stale = new HttpRequestMessage(HttpMethod.Post, FeatureSetApi.VersionsUrl("auth_etag_set"))
        { Content = HttpJson.Json(FeatureSetApi.NewVersion("2.0.0", "auth_set_b").ToJsonString()) }.WithIfMatch(read.ETag());
        var problem = await (await _client.SendAsync(stale)).ExpectProblemAsync(412);
        Assert.Contains("at version 1.1.0, not 1.0.0", (string)problem["detail"]!);
        var set = (await (await _client.GetAsync($"{FeatureSetApi.Url}/auth_etag_set")).ExpectAsync(200))!;
        Assert.Equal("1.1.0", (string?)set["current_version"]);

        var garbage = new HttpRequestMessage(HttpMethod.Post, FeatureSetApi.VersionsUrl("auth_etag_set"))
        { Content = HttpJson.Json(FeatureSetApi.NewVersion("2.0.0", "auth_set_b").ToJsonString()) };
        garbage.Headers.TryAddWithoutValidation("If-Match", "1.1.0"); // not quoted: not an ETag
        Assert.NotNull((await (await _client.SendAsync(garbage)).ExpectProblemAsync(400))["errors"]!["If-Match"]);
    }
}
