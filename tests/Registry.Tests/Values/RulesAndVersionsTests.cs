using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>Validation policies, every rule type, the validate report, version separation, and values kept through archive and rollback.</summary>
public sealed class RulesAndVersionsTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    private static JsonObject Rule(string type, JsonObject parameters, bool blocking = true) =>
        new() { ["rule_type"] = type, ["parameters"] = parameters, ["is_blocking"] = blocking };

    private async Task<string> FeatureAsync(string name, string dataType, params JsonObject[] rules)
    {
        var body = FeatureApi.Minimal(name, dataType: dataType);
        body["validation_rules"] = new JsonArray(rules.Select(r => (JsonNode)r).ToArray());
        await _client.CreateAsync(body);
        return name;
    }

    [Fact]
    public async Task Strict_policy_rejects_the_whole_batch_with_failing_rules_and_sample_rows()
    {
        var f = await FeatureAsync("rules_strict", "float", Rule("range", new() { ["min"] = 0, ["max"] = 100 }));
        var problem = await (await _client.PostRowsAsync(f, [Row("A", Day(1), 50), Row("A", Day(2), 150), Row("B", Day(1), -1)])).ExpectProblemAsync(422);
        Assert.Equal(3, (long)problem["rows_rejected"]!);
        Assert.Equal(0, (long)problem["rows_written"]!);
        var failed = problem["failed_rules"]!.AsArray().Single()!;
        Assert.Equal("range", (string)failed["rule_type"]!);
        Assert.Equal(2, (long)failed["offending_rows"]!);
        Assert.Equal([1L, 2L], failed["samples"]!.AsArray().Select(s => (long)s!["row"]!));
        Assert.Equal(150.0, (double)failed["samples"]![0]!["value"]!);
        Assert.Empty(await _client.ReadValuesAsync(f));
    }

    [Fact]
    public async Task Sample_rows_of_a_csv_batch_are_numbered_by_position()
    {
        var f = await FeatureAsync("rules_strict_csv", "float", Rule("range", new() { ["min"] = 0, ["max"] = 100 }));
        var problem = await (await _client.PostCsvAsync(f,
            $"entity_id,event_ts,value\nA,{Day(1)},50\nA,{Day(2)},150\nB,{Day(1)},-1\nB,{Day(2)},7\n")).ExpectProblemAsync(422);
        var failed = problem["failed_rules"]!.AsArray().Single()!;
        Assert.Equal([1L, 2L], failed["samples"]!.AsArray().Select(s => (long)s!["row"]!));
        Assert.Equal([150.0, -1.0], failed["samples"]!.AsArray().Select(s => (double)s!["value"]!));
    }

    [Fact]
    public async Task Permissive_policy_writes_the_batch_and_returns_the_report_per_request_or_per_feature()
    {
        var f = await FeatureAsync("rules_permissive", "float", Rule("range", new() { ["max"] = 10 }));
        var result = await (await _client.PostRowsAsync(f, [Row("A", Day(1), 5), Row("A", Day(2), 50)], query: "?validation_policy=permissive")).ExpectAsync(200);
        Assert.Equal(2, (long)result!["rows_written"]!);
        Assert.False((bool)result["validation"]!["is_valid"]!);
        Assert.Equal("permissive", (string)result["validation_policy"]!);
        Assert.Equal(2, (await _client.ReadValuesAsync(f)).Count);

        // Set on the feature, the policy applies without the query parameter; the query still overrides it.
        await (await _client.PutJsonAsync($"{FeatureApi.Url}/{f}", """{"validation_policy": "permissive"}""")).ExpectAsync(200);
        await (await _client.PostRowsAsync(f, [Row("A", Day(3), 60)])).ExpectAsync(200);
        await (await _client.PostRowsAsync(f, [Row("A", Day(4), 70)], query: "?validation_policy=strict")).ExpectProblemAsync(422);
    }

    [Fact]
    public async Task Non_blocking_rules_report_but_never_reject()
    {
        var f = await FeatureAsync("rules_nonblocking", "float", Rule("range", new() { ["max"] = 10 }, blocking: false));
        var result = await (await _client.PostRowsAsync(f, [Row("A", Day(1), 50)])).ExpectAsync(200);
        Assert.True((bool)result!["validation"]!["is_valid"]!);
        Assert.Single(result["validation"]!["failed_rules"]!.AsArray());
    }

    [Fact]
    public async Task Every_rule_type_catches_what_it_should()
    {
        var nulls = await FeatureAsync("rules_null", "float", Rule("null_check", new() { ["max_null_ratio"] = 0.25 }));
        await (await _client.PostRowsAsync(nulls, [Row("A", Day(1), 1), Row("A", Day(2), null), Row("A", Day(3), 3), Row("A", Day(4), 4)])).ExpectAsync(200);
        var p = await (await _client.PostRowsAsync(nulls, [Row("B", Day(1), null), Row("B", Day(2), null), Row("B", Day(3), 3)])).ExpectProblemAsync(422);
        Assert.Equal(2, (long)p["failed_rules"]![0]!["offending_rows"]!);

        var outlier = await FeatureAsync("rules_outlier", "float", Rule("outlier", new() { ["z_score_threshold"] = 2 }));
        var calm = Enumerable.Range(0, 20).Select(i => Row("A", Day(i), 10 + (i % 3))).ToList();
        await (await _client.PostRowsAsync(outlier, calm)).ExpectAsync(200);
        var spiky = Enumerable.Range(0, 20).Select(i => Row("B", Day(i), i == 7 ? 1000 : 10 + (i % 3))).ToList();
        p = await (await _client.PostRowsAsync(outlier, spiky)).ExpectProblemAsync(422);
        Assert.Equal(7L, (long)p["failed_rules"]![0]!["samples"]![0]!["row"]!);

        var allowed = await FeatureAsync("rules_allowed", "string", Rule("allowed_values", new() { ["values"] = new JsonArray("buy", "sell", "hold") }));
        await (await _client.PostRowsAsync(allowed, [Row("A", Day(1), "buy"), Row("A", Day(2), null)])).ExpectAsync(200);
        p = await (await _client.PostRowsAsync(allowed, [Row("A", Day(3), "short")])).ExpectProblemAsync(422);
        Assert.Equal("short", (string)p["failed_rules"]![0]!["samples"]![0]!["value"]!);

        var regex = await FeatureAsync("rules_regex", "string", Rule("regex", new() { ["pattern"] = "[A-Z]{3}" }));
        await (await _client.PostRowsAsync(regex, [Row("A", Day(1), "USD")])).ExpectAsync(200);
        await (await _client.PostRowsAsync(regex, [Row("A", Day(2), "USDT")])).ExpectProblemAsync(422); // a full match

        var numericAllowed = await FeatureAsync("rules_allowed_num", "integer", Rule("allowed_values", new() { ["values"] = new JsonArray(-1, 0, 1) }));
        await (await _client.PostRowsAsync(numericAllowed, [Row("A", Day(1), 1), Row("A", Day(2), -1)])).ExpectAsync(200);
        await (await _client.PostRowsAsync(numericAllowed, [Row("A", Day(3), 2)])).ExpectProblemAsync(422);
    }

    [Fact]
    public async Task A_pattern_duckdb_cannot_run_is_reported_as_a_failed_rule_not_a_500()
    {
        var f = await FeatureAsync("rules_re2", "string", Rule("regex", new() { ["pattern"] = "(?=A)ABC" }));
        var p = await (await _client.PostRowsAsync(f, [Row("A", Day(1), "ABC")])).ExpectProblemAsync(422);
        Assert.Contains("could not run", (string)p["failed_rules"]![0]!["message"]!);
    }

    [Fact]
    public async Task Validate_runs_the_rules_over_stored_values_with_quality_flags()
    {
        var f = await FeatureAsync("validate_report", "float",
            Rule("range", new() { ["min"] = 0, ["max"] = 100 }),
            Rule("null_check", new() { ["max_null_ratio"] = 0.5 }, blocking: false));
        var rows = Enumerable.Range(0, 30).Select(i => Row("A", Day(i), i == 5 ? 500 : i)).ToList();
        rows.Add(Row("B", Day(0), null));
        await (await _client.PostRowsAsync(f, rows, query: "?validation_policy=permissive")).ExpectAsync(200);

        var report = (await (await _client.PostAsync($"{FeatureApi.Url}/{f}/validate", null)).ExpectAsync(200))!;
        Assert.False((bool)report["is_valid"]!);
        Assert.Equal(31, (long)report["rows_checked"]!);
        var failed = report["failed_rules"]!.AsArray().Single()!;
        Assert.Equal("range", (string)failed["rule_type"]!);
        Assert.Equal("A", (string)failed["samples"]![0]!["entity_id"]!);
        Assert.Equal("null_check", (string)report["passed_rules"]![0]!["rule_type"]!);
        var flags = report["quality_flags"]!.AsArray().Select(q => (string)q!["flag"]!).ToList();
        Assert.Contains("missing_data", flags);
        Assert.Contains("insufficient_history", flags); // B has one value
        Assert.Contains("outliers", flags);             // 500 among 0..29
        Assert.Contains("stale_data", flags);           // 2024 is long ago
        Assert.Single(report["errors"]!.AsArray());

        // A clean range: valid, and only the flags that apply.
        var clean = (await (await _client.PostAsync($"{FeatureApi.Url}/{f}/validate?from={Day(10)}&to={Day(20)}&min_history=5&max_staleness=P36500D", null)).ExpectAsync(200))!;
        Assert.True((bool)clean["is_valid"]!);
        Assert.Empty(clean["quality_flags"]!.AsArray());
        await (await _client.PostAsync($"{FeatureApi.Url}/{f}/validate?max_staleness=soon", null)).ExpectProblemAsync(400);
        var empty = (await (await _client.PostAsync($"{FeatureApi.Url}/{f}/validate?from=2030-01-01T00:00:00Z", null)).ExpectAsync(200))!;
        Assert.Equal("no_data", (string)empty["quality_flags"]![0]!["flag"]!);
    }

    [Fact]
    public async Task Stats_describe_the_values_a_read_returns()
    {
        var f = await FeatureAsync("stats_basic", "float");
        await _client.IngestAsync(f, Row("A", Day(1), 1), Row("A", Day(2), 2), Row("B", Day(3), 3), Row("B", Day(4), null));
        await _client.IngestAsync(f, Row("A", Day(2), 4)); // supersedes 2
        var s = (await (await _client.GetAsync($"{ValuesUrl(f)}/stats")).ExpectAsync(200))!;
        Assert.Equal(4, (long)s["rows"]!);
        Assert.Equal(2, (long)s["entities"]!);
        Assert.Equal(0.25, (double)s["null_rate"]!);
        Assert.Equal(1, (double)s["min"]!);
        Assert.Equal(4, (double)s["max"]!);
        Assert.Equal(8.0 / 3, (double)s["mean"]!, 9);
        Assert.Equal(Math.Sqrt(((1 - 8.0 / 3) * (1 - 8.0 / 3) + (4 - 8.0 / 3) * (4 - 8.0 / 3) + (3 - 8.0 / 3) * (3 - 8.0 / 3)) / 2), (double)s["std"]!, 9);
        Assert.Equal(Day(1), (string)s["first_event_ts"]!);
        Assert.Equal(Day(4), (string)s["last_event_ts"]!);
        var ranged = (await (await _client.GetAsync($"{ValuesUrl(f)}/stats?from={Day(3)}")).ExpectAsync(200))!;
        Assert.Equal(2, (long)ranged["rows"]!);
    }

    private Task<HttpResponseMessage> PublishAsync(string f, string body) => _client.PostJsonAsync($"{FeatureApi.Url}/{f}/versions", body);

    [Fact]
    public async Task Values_of_different_major_versions_never_mix_and_a_rollback_across_a_major_is_a_new_contract()
    {
        var f = await FeatureAsync("versions_separate", "float");
        await _client.IngestAsync(f, Row("A", Day(1), 1));
        await (await PublishAsync(f, """{"bump": "minor", "changelog": "tweak", "created_by": "quant"}""")).ExpectAsync(201);
        var minor = await _client.IngestAsync(f, Row("A", Day(2), 2));
        Assert.Equal("1.1.0", (string)minor["feature_version"]!);
        Assert.Equal(2, (await _client.ReadValuesAsync(f)).Count); // 1.0.0 and 1.1.0 share contract 1

        // The online path remembers the current contract; publishing through the API makes it forget at once.
        var before = (await (await _client.GetAsync($"{ValuesUrl(f)}/latest?entity_id=A")).ExpectAsync(200))!;
        Assert.Equal(2.0, (double)before["values"]![0]!["value"]!);
        await (await PublishAsync(f, """{"version": "2.0.0", "breaking_changes": true, "changelog": "new scale", "created_by": "quant"}""")).ExpectAsync(201);
        Assert.Empty(await _client.ReadValuesAsync(f)); // the current contract (2) has no values yet
        var latest = (await (await _client.GetAsync($"{ValuesUrl(f)}/latest?entity_id=A")).ExpectAsync(200))!;
        Assert.Empty(latest["values"]!.AsArray());
        await _client.IngestAsync(f, Row("A", Day(3), 300));
        Assert.Equal([300.0], (await _client.ReadValuesAsync(f)).Select(v => (double)v!["value"]!));
        Assert.Equal([1.0, 2.0], (await _client.ReadValuesAsync(f, "?version=1.1.0")).Select(v => (double)v!["value"]!));
        // A pipeline still on 1.1.0 can keep writing its contract explicitly.
        var old = await (await _client.PostRowsAsync(f, [Row("A", Day(4), 4)], version: "1.1.0")).ExpectAsync(200);
        Assert.Equal(1, (int)old!["contract_major"]!);
        Assert.Equal([300.0], (await _client.ReadValuesAsync(f)).Select(v => (double)v!["value"]!));

        // Rolling back to 1.1.0 crosses a breaking boundary, so it is breaking itself: 3.0.0 with 1.1.0's logic and a
        // contract of its own (not 2.0.1 serving contract 1, which would make 2.x mean two contracts). Nothing was deleted.
        var rollback = (await (await _client.PostAsync($"{FeatureApi.Url}/{f}/rollback?target_version=1.1.0", null)).ExpectAsync(201))!;
        Assert.Equal("3.0.0", (string)rollback["version"]!["version"]!);
        Assert.True((bool)rollback["version"]!["breaking_changes"]!);
        Assert.Equal("1.1.0", (string)rollback["version"]!["restored_from"]!);
        Assert.Empty(await _client.ReadValuesAsync(f)); // contract 3 has no values yet
        Assert.Equal([1.0, 2.0, 4.0], (await _client.ReadValuesAsync(f, "?version=1.1.0")).Select(v => (double)v!["value"]!));
        Assert.Equal([300.0], (await _client.ReadValuesAsync(f, "?version=2.0.0")).Select(v => (double)v!["value"]!));
        var stamped = await _client.IngestAsync(f, Row("A", Day(5), 5));
        Assert.Equal("3.0.0", (string)stamped["feature_version"]!);
        Assert.Equal(3, (int)stamped["contract_major"]!);
        Assert.Equal([5.0], (await _client.ReadValuesAsync(f)).Select(v => (double)v!["value"]!));

        // Back to 3.0.0's own major from a later patch is an ordinary patch rollback within contract 3.
        await (await PublishAsync(f, """{"bump": "minor", "created_by": "quant"}""")).ExpectAsync(201);
        var within = (await (await _client.PostAsync($"{FeatureApi.Url}/{f}/rollback?target_version=3.0.0", null)).ExpectAsync(201))!;
        Assert.Equal("3.1.1", (string)within["version"]!["version"]!);
        Assert.False((bool)within["version"]!["breaking_changes"]!);
        Assert.Equal([5.0], (await _client.ReadValuesAsync(f)).Select(v => (double)v!["value"]!));
    }

    [Fact]
    public async Task Archiving_keeps_the_values_readable_and_refuses_new_ones()
    {
        var f = await FeatureAsync("archived_values", "float");
        await _client.IngestAsync(f, Row("A", Day(1), 1));
        await (await _client.DeleteAsync($"{FeatureApi.Url}/{f}")).ExpectAsync(204);
        Assert.Single(await _client.ReadValuesAsync(f));
        await (await _client.PostRowsAsync(f, [Row("A", Day(2), 2)])).ExpectProblemAsync(409);
    }

    [Fact]
    public async Task A_duckdb_table_belongs_to_one_feature()
    {
        var first = FeatureApi.Minimal("table_owner");
        var created = await _client.CreateAsync(first);
        Assert.Equal("features.table_owner", (string)created["duckdb_table"]!);
        var thief = FeatureApi.Minimal("table_thief");
        thief["duckdb_table"] = "features.table_owner";
        // Refused before anything is stored: a feature's table is always named after the feature (ADR 0019).
        var problem = await (await _client.PostJsonAsync(FeatureApi.Url, thief.ToJsonString())).ExpectProblemAsync(400);
        Assert.Contains("features.table_thief", (string)problem["errors"]!["duckdb_table"]![0]!);
    }
}
