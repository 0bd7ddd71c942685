using System.Text;
using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Platform;

/// <summary>
/// The OpenAPI document is the contract (ADR 0028): every operation is called for real, and every answer (successes and
/// the usual errors) must be declared with its status and media type and validate against its schema. An operation the
/// scenario does not reach fails the test, so a new endpoint cannot drift from its schema unnoticed.
/// </summary>
public sealed class OpenApiContractTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>
{
    private const string Features = "/api/v1/features";
    private const string Sets = "/api/v1/feature-sets";

    [Fact]
    public async Task Every_operation_answers_as_the_served_document_says()
    {
        // With the online store on, so that its operations answer too (they are in the document whatever the setting).
        var redis = await TestRedis.GetAsync();
        foreach (var (key, value) in TestRedis.OwnerSettings(redis, TestRedis.NewPrefix())) factory.Settings[key] = value;
        var recorder = new ExchangeRecorder();
        using var client = factory.CreateDefaultClient(recorder); // with the admin key, as every client of the factory
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;

        await ScenarioAsync(client);

        var contract = new OpenApiContract(document);
        var problems = new List<string>();
        var answered = new HashSet<string>();
        foreach (var exchange in recorder.Exchanges)
        {
            var (operation, found) = contract.Check(exchange);
            problems.AddRange(found);
            if (operation is not null && exchange.Status is >= 200 and < 300) answered.Add(operation);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Empty(contract.OperationIds.Except(answered).Order());
    }

    /// <summary>Every operation once at least, in the order a pipeline would call them, plus the common errors.</summary>
    private static async Task ScenarioAsync(HttpClient c)
    {
        async Task<JsonNode?> Send(HttpMethod method, string url, string? json, int status, string contentType = "application/json")
        {
            using var request = new HttpRequestMessage(method, url);
            if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, contentType);
            using var response = await c.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"{method} {url}: expected {status}, got {(int)response.StatusCode}: {body}");
            return response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true ? JsonNode.Parse(body) : null;
        }
        Task<JsonNode?> Get(string url, int status = 200) => Send(HttpMethod.Get, url, null, status);
        Task<JsonNode?> Post(string url, string? json, int status) => Send(HttpMethod.Post, url, json, status);

        // The online store: its state, and a backfill of every feature (202 with its progress).
        await Get("/api/v1/online-store");

        // Features: register a raw feature and a SQL feature over it, list, read, change, activate.
        await Post(Features, """{"feature_name": "oc_close", "feature_type": "raw", "data_type": "float", "owner": "data-eng", "tags": ["price"]}""", 201);
        await Post(Features, """
            {"feature_name": "oc_ma_2d", "feature_type": "derived", "data_type": "float", "owner": "quant-team", "upstream_features": ["oc_close"],
             "transformation": {"transformation_type": "sql", "code": "SELECT entity_id, event_ts, avg(value) OVER (PARTITION BY entity_id ORDER BY event_ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS value FROM oc_close"},
             "validation_rules": [{"rule_type": "range", "parameters": {"min": 0, "max": 1000}, "is_blocking": true}]}
            """, 201);
        await Post(Features, """{"feature_name": "oc_temp", "feature_type": "raw", "data_type": "string", "owner": "data-eng"}""", 201);
        await Get($"{Features}?tags=price&status=draft");
        await Get($"{Features}/oc_close");
        await Get($"{Features}/oc_ma_2d");
        await Send(HttpMethod.Put, $"{Features}/oc_close", """{"description": "Daily close"}""", 200);
        await Post($"{Features}/oc_close/activate", null, 200);

        // Values: ingest, read (JSON and CSV), latest, stats, validate; materialize and expose the SQL feature.
        var rows = string.Join(", ", Enumerable.Range(1, 4).SelectMany(d => new[]
        {
            $$"""{"entity_id": "AAPL", "event_ts": "2024-01-0{{d}}T21:00:00Z", "value": {{180 + d}}.5}""",
            $$"""{"entity_id": "MSFT", "event_ts": "2024-01-0{{d}}T21:00:00Z", "value": {{370 + d}}.25}""",
        }));
        await Post($"{Features}/oc_close/values", $$"""{"rows": [{{rows}}]}""", 200);
        await Send(HttpMethod.Post, $"{Features}/oc_temp/values", "entity_id,event_ts,value\nAAPL,2024-01-02T21:00:00Z,up\n", 200, "text/csv");
        await Get($"{Features}/oc_close/values?entity_id=AAPL&from=2024-01-01T00:00:00Z");
        await Get($"{Features}/oc_close/values?format=csv");
        await Get($"{Features}/oc_close/values/latest?entity_id=AAPL,MSFT,NVDA");
        await Get($"{Features}/oc_close/values/stats");
        await Post($"{Features}/oc_close/validate", null, 200);
        await Post($"{Features}/oc_ma_2d/materialize", null, 200);
        await Send(HttpMethod.Put, $"{Features}/oc_ma_2d/view", null, 200);

        // Versions: publish, list, read, diff, roll back.
        await Post($"{Features}/oc_close/versions", """{"bump": "minor", "changelog": "adjusted"}""", 201);
        await Get($"{Features}/oc_close/versions");
        await Get($"{Features}/oc_close/versions/1.0.0");
        await Get($"{Features}/oc_close/versions/1.0.0/diff/1.1.0");
        await Post($"{Features}/oc_close/rollback?target_version=1.0.0", """{"reason": "contract test"}""", 201);

        // Lineage and impact, a deprecation dry run (an impact analysis).
        await Get($"{Features}/oc_ma_2d/lineage?recursive=true&direction=both");
        await Get($"{Features}/oc_close/impact");
        await Post($"{Features}/oc_close/deprecate?dry_run=true", null, 200);

        // Usage, one and a batch; the list and the statistics.
        const string use = """{"feature_name": "oc_close", "feature_version": "1.0.0", "used_by_model": "m", "model_version": "1", "environment": "dev", "feature_importance": 0.5, "correlation_with_target": 0.1, "execution_id": "e1", "execution_duration_ms": 3.5}""";
        await Post($"{Features}/usage", use, 201);
        await Post($"{Features}/usage/batch", $$"""{"records": [{{use}}, {{use}}]}""", 201);
        await Get($"{Features}/oc_close/usage");
        await Get($"{Features}/oc_close/statistics");

        // Feature sets: create, list, read, publish, versions, the online vector.
        await Post(Sets, """{"feature_set_name": "oc_set", "owner": "quant-team", "tags": ["daily"], "members": [{"feature_name": "oc_close"}]}""", 201);
        await Get($"{Sets}?tags=daily");
        await Get($"{Sets}/oc_set");
        await Post($"{Sets}/oc_set/versions", """{"bump": "minor", "members": [{"feature_name": "oc_close"}, {"feature_name": "oc_ma_2d"}]}""", 201);
        await Get($"{Sets}/oc_set/versions");
        await Get($"{Sets}/oc_set/versions/1.1.0");
        await Get($"{Sets}/oc_set/versions/1.1.0/online?entity_id=AAPL,NVDA");

        // Training sets: listed rows, and uploaded labels.
        await Post("/api/v1/training-sets", """{"feature_set": "oc_set", "rows": [{"entity_id": "AAPL", "ts": "2024-01-03T22:00:00Z"}]}""", 200);
        await Send(HttpMethod.Post, "/api/v1/training-sets/upload?features=oc_close", "entity_id,ts\nAAPL,2024-01-03T22:00:00Z\n", 200, "text/csv");

        // Snapshots: create, list, read, normalization, usage.
        var snapshot = await Post($"{Sets}/oc_set/versions/1.1.0/snapshots", """{"from": "2024-01-01T00:00:00Z", "to": "2024-01-05T00:00:00Z", "timeframe": "1d"}""", 201);
        var id = (string)snapshot!["snapshot_id"]!;
        await Get("/api/v1/snapshots?feature_set=oc_set");
        await Get($"/api/v1/snapshots/{id}");
        await Get($"/api/v1/snapshots/{id}/normalization");
        await Post($"/api/v1/snapshots/{id}/usage", """{"used_by_model": "m", "model_version": "1", "environment": "staging", "execution_id": "train-1"}""", 201);
        await Get($"/api/v1/snapshots/{id}/usage");

        // API keys: create, list, read, revoke.
        var key = await Post("/api/v1/api-keys", """{"name": "contract-test", "scopes": ["read"]}""", 201);
        var keyId = (string)key!["key_id"]!;
        await Get("/api/v1/api-keys");
        await Get($"/api/v1/api-keys/{keyId}");
        await Send(HttpMethod.Delete, $"/api/v1/api-keys/{keyId}", null, 200);

        // The lifecycle's end: deprecate (nothing active depends on it) and archive.
        await Post($"{Features}/oc_close/deprecate", null, 200);
        await Send(HttpMethod.Delete, $"{Features}/oc_temp", null, 204);

        // The usual errors, whose problem documents are part of the contract too.
        await Get($"{Features}/oc_nothing", 404);
        await Get($"{Features}?tag=price", 400);
        await Post(Features, """{"feature_name": "Bad Name"}""", 400);
        await Send(HttpMethod.Put, $"{Features}/oc_close", """{"transformation": null}""", 400);
        await Post($"{Features}/oc_close/versions", """{"version": "0.1.0"}""", 422);
        await Post(Features, """{"feature_name": "oc_close", "feature_type": "raw", "data_type": "float", "owner": "x"}""", 409);
        await Send(HttpMethod.Post, Features, "feature_name=x", 415, "text/plain");
        await Get($"{Features}/oc_close/values/latest", 400);
        await Post($"{Features}/oc_close/rollback", null, 400);

        // A backfill of the online store from the values written above.
        await Post("/api/v1/online-store/backfill", null, 202);
    }
}
