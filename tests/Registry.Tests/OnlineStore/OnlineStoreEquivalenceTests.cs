using System.Globalization;
using System.Text.Json.Nodes;
using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.OnlineStore;

/// <summary>
/// A replica with no values file answers latest values and online vectors from Redis exactly as the owner answers them
/// from DuckDB: generated data over many entities and five data types, several contracts, a rollback across a major,
/// the same 409 on contract drift.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)] // a replica in a real process of its own
public sealed class OnlineStoreEquivalenceTests(OnlineStoreApis apis) : IClassFixture<OnlineStoreApis>
{
    private readonly HttpClient _owner = apis.Owner.CreateClient();
    private HttpClient Replica => apis.Replica.Client;

    /// <summary>Entity ids a key scheme could trip on: separators, glob characters, spaces, braces, non-ASCII, the longest allowed.</summary>
    internal static readonly string[] Hostile =
    [
        "a:b", "a", "a ", " a", "a:b:c", "*", "a*", "?", "[ab]", "{tag}", "x\ty", "日本:株", "𝄞 clef", "v:f:1:e", "%2A", "",
        new string('€', 256), new string(':', 256),
    ];

    private static IEnumerable<string> Entities() =>
        Enumerable.Range(0, 120).Select(i => $"ent_{i:D4}").Concat(Hostile.Where(h => h.Length > 0));

    private static string Query(IEnumerable<string> entities) => string.Join("&", entities.Select(e => $"entity_id={Uri.EscapeDataString(e)}"));

    private static JsonNode Value(string type, Random random, int day) => type switch
    {
        "float" => Math.Round(random.NextDouble() * 1000 - 500, random.Next(0, 8)),
        "integer" => random.NextInt64(-1L << 50, 1L << 50),
        "string" => random.Next(4) == 0 ? "" : $"s|{random.Next()}|n",
        "boolean" => random.Next(2) == 0,
        "timestamp" => new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(random.NextInt64(0, 10L * 365 * 24 * 36_000_000_000) / 10 * 10)
            .AddDays(day).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Three batches per feature: new days, a re-ingest of an existing day with new values, and an older day (never the latest).</summary>
    private async Task IngestGeneratedAsync(string feature, string type, int seed, string? version = null)
    {
        var random = new Random(seed);
        var entities = Entities().ToList();
        foreach (var days in new[] { new[] { 0, 3 }, new[] { 3, 5 }, new[] { 1 } })
        {
            var rows = new List<JsonObject>();
            foreach (var e in entities)
            foreach (var d in days)
            {
                if (random.Next(5) == 0) continue; // some entities lack some days, some have no value at all
                var value = random.Next(20) == 0 ? null : Value(type, random, d);
                rows.Add(Row(e, Day(d), value));
            }
            var query = version is null ? "" : $"?feature_version={version}";
            await (await _owner.PostRowsAsync(feature, rows, query: query)).ExpectAsync(200);
        }
    }

    private async Task AssertSameLatestAsync(string feature, string? version = null)
    {
        var entities = Entities().ToList();
        for (var start = 0; start < entities.Count; start += 70)
        {
            var url = $"{ValuesUrl(feature)}/latest?{Query(entities.Skip(start).Take(70))}" + (version is null ? "" : $"&version={version}");
            var fromOwner = await _owner.GetJsonAsync(url);
            var fromReplica = await Replica.GetJsonAsync(url);
            Assert.True(((JsonArray)fromOwner["values"]!).Count > 0, "the comparison must compare something");
            Assert.Equal(OnlineStoreWait.Timeless(fromOwner), OnlineStoreWait.Timeless(fromReplica));
        }
    }

    private async Task AssertSameVectorsAsync(string set, string version)
    {
        var entities = Entities().ToList();
        for (var start = 0; start < entities.Count; start += 70)
        {
            var url = $"{FeatureSetApi.Url}/{set}/versions/{version}/online?{Query(entities.Skip(start).Take(70))}";
            var fromOwner = await _owner.GetJsonAsync(url);
            var fromReplica = await Replica.GetJsonAsync(url);
            Assert.Equal(OnlineStoreWait.Timeless(fromOwner), OnlineStoreWait.Timeless(fromReplica));
        }
    }

    /// <summary>Both answer the same status; the replica may need its change listener (milliseconds, ADR 0016) to hear of a new version.</summary>
    private async Task<JsonNode> AssertBothAsync(string url, int status)
    {
        var fromOwner = (await (await _owner.GetAsync(url)).ExpectAsync(status))!;
        for (var i = 0; ; i++)
        {
            var response = await Replica.GetAsync(url);
            if ((int)response.StatusCode == status || i == 50)
            {
                var fromReplica = (await response.ExpectAsync(status))!;
                if (status == 409) Assert.Equal(fromOwner["changed_members"]!.ToJsonString(), fromReplica["changed_members"]!.ToJsonString());
                return fromReplica;
            }
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Latest_values_and_vectors_from_Redis_equal_the_owners_across_types_contracts_and_a_rollback_across_a_major()
    {
        string[] types = ["float", "integer", "string", "boolean", "timestamp"];
        var names = types.Select(t => $"eq_{t}").ToArray();
        for (var i = 0; i < types.Length; i++)
        {
            await _owner.CreateAsync(FeatureApi.Minimal(names[i], dataType: types[i]));
            await IngestGeneratedAsync(names[i], types[i], seed: i);
        }
        await _owner.CreateSetAsync("eq_set", [.. names.Select(n => $"{n}@1.0.0")]);
        foreach (var n in names) await AssertSameLatestAsync(n);
        await AssertSameVectorsAsync("eq_set", "1.0.0");

        // A breaking version of the float feature: contract 2, with values of its own.
        await (await _owner.PostJsonAsync($"{FeatureApi.Url}/eq_float/versions", """{"version": "2.0.0", "breaking_changes": true, "created_by": "x"}""")).ExpectAsync(201);
        await AssertBothAsync($"{FeatureSetApi.Url}/eq_set/versions/1.0.0/online?entity_id=ent_0001", 409);
        await IngestGeneratedAsync("eq_float", "float", seed: 99, version: "2.0.0");
        await (await _owner.PublishSetVersionAsync("eq_set", FeatureSetApi.NewVersion("2.0.0", [.. names.Select(n => n == "eq_float" ? $"{n}@2.0.0" : $"{n}@1.0.0")])))
            .ExpectAsync(201);
        await AssertSameLatestAsync("eq_float");                   // contract 2
        await AssertSameLatestAsync("eq_float", version: "1.0.0"); // contract 1 still readable by version
        await AssertSameVectorsAsync("eq_set", "2.0.0");

        // Rolled back across the major: the rollback is itself breaking (ADR 0027), 3.0.0 with contract 3 of its own, so
        // both set versions drift and contract 3 starts empty on both processes; contract 1 stays readable by version.
        await (await _owner.PostAsync($"{FeatureApi.Url}/eq_float/rollback?target_version=1.0.0",
            HttpJson.Json("""{"created_by": "on-call", "reason": "2.0.0 broke the model"}"""))).ExpectAsync(201);
        await AssertBothAsync($"{FeatureSetApi.Url}/eq_set/versions/2.0.0/online?entity_id=ent_0001", 409);
        await AssertBothAsync($"{FeatureSetApi.Url}/eq_set/versions/1.0.0/online?entity_id=ent_0001", 409);
        await AssertSameLatestAsync("eq_float", version: "1.0.0");
        await IngestGeneratedAsync("eq_float", "float", seed: 7, version: "3.0.0");
        await (await _owner.PublishSetVersionAsync("eq_set", FeatureSetApi.NewVersion("3.0.0", [.. names.Select(n => n == "eq_float" ? $"{n}@3.0.0" : $"{n}@1.0.0")])))
            .ExpectAsync(201);
        await AssertSameLatestAsync("eq_float");
        await AssertSameVectorsAsync("eq_set", "3.0.0");
        var latest = await Replica.GetJsonAsync($"{ValuesUrl("eq_float")}/latest?entity_id=ent_0001&entity_id=ent_0002&entity_id=ent_0003");
        Assert.Equal(3, (int)latest["contract_major"]!);
        Assert.All(latest["values"]!.AsArray(), v => Assert.Equal("3.0.0", (string)v!["feature_version"]!));
    }

    [Fact]
    public async Task A_newer_value_ingested_on_the_owner_is_served_by_the_replica_as_soon_as_the_ingest_is_answered()
    {
        await _owner.CreateAsync(FeatureApi.Minimal("eq_fresh"));
        await _owner.CreateSetAsync("eq_fresh_set", "eq_fresh@1.0.0");
        for (var day = 0; day < 5; day++)
        {
            await _owner.IngestAsync("eq_fresh", Row("AAPL", Day(day), 100.0 + day));
            var vector = await Replica.GetJsonAsync($"{FeatureSetApi.Url}/eq_fresh_set/versions/1.0.0/online?entity_id=AAPL");
            Assert.Equal(100.0 + day, (double)vector["vectors"]![0]!["values"]!["eq_fresh"]!);
        }
        // An older event ingested later is not the latest, on either.
        await _owner.IngestAsync("eq_fresh", Row("AAPL", Day(1), -1.0));
        var after = await Replica.GetJsonAsync($"{ValuesUrl("eq_fresh")}/latest?entity_id=AAPL");
        Assert.Equal(104.0, (double)after["values"]![0]!["value"]!);
    }

    [Fact]
    public async Task The_replica_serves_the_registry_but_sends_value_work_to_the_owner()
    {
        // Registry writes work on any replica, a SQL feature's check included (DuckDB's parser, no values).
        await (await Replica.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("eq_on_replica").ToJsonString())).ExpectAsync(201);
        var sql = new JsonObject
        {
            ["feature_name"] = "eq_sql_on_replica", ["feature_type"] = "derived", ["data_type"] = "float", ["owner"] = "quant-team",
            ["upstream_features"] = new JsonArray("eq_on_replica"),
            ["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = "SELECT entity_id, event_ts, value * 2 AS value FROM eq_on_replica" },
        };
        await (await Replica.PostJsonAsync(FeatureApi.Url, sql.ToJsonString())).ExpectAsync(201);
        sql["feature_name"] = "eq_sql_bad";
        sql["transformation"]!["code"] = "SELECT * FROM read_csv('/etc/passwd')";
        await (await Replica.PostJsonAsync(FeatureApi.Url, sql.ToJsonString())).ExpectProblemAsync(422);

        // Value work is the owner's: 503, so a load balancer retries it there.
        var ingest = await Replica.PostRowsAsync("eq_on_replica", [Row("AAPL", Day(0), 1.0)]);
        await ingest.ExpectProblemAsync(503);
        Assert.NotNull(ingest.Headers.RetryAfter);
        await (await Replica.GetAsync(ValuesUrl("eq_on_replica"))).ExpectProblemAsync(503);
        await (await Replica.PostJsonAsync("/api/v1/training-sets",
            """{"features": ["eq_on_replica"], "rows": [{"entity_id": "AAPL", "ts": "2024-01-02T00:00:00Z"}]}""")).ExpectProblemAsync(503);

        var status = await Replica.GetJsonAsync(OnlineStoreWait.StatusUrl);
        Assert.Equal("replica", (string)status["role"]!);
        Assert.True((bool)status["complete"]!);
        Assert.Null(status["pending_features"]);
        await (await Replica.PostAsync($"{OnlineStoreWait.StatusUrl}/backfill", null)).ExpectProblemAsync(409);
        var ready = await Replica.GetJsonAsync("/health/ready");
        Assert.Null(ready["checks"]!["duckdb"]);
        Assert.Equal("healthy", (string)ready["checks"]!["redis"]!["status"]!);
    }
}
