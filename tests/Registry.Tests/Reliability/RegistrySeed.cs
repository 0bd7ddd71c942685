using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;
using Registry.Tests.Usage;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Reliability;

/// <summary>
/// A registry with something of every kind in it, written through the API: definitions (one changed), versions,
/// values (JSON and CSV, and a materialized SQL feature), usage, and a feature set.
/// </summary>
public static class RegistrySeed
{
    public const string Close = "stock_daily_close";
    public const string Rsi = "stock_rsi_14d";
    public const string Average = "stock_close_avg_3d";
    public const string FeatureSet = "tech_v1";

    public static async Task SeedAsync(HttpClient client)
    {
        await client.CreateAsync(FeatureApi.Minimal(Close));
        await client.CreateAsync(FeatureApi.StockRsi(Rsi, Close));
        var average = FeatureApi.Minimal(Average);
        average["upstream_features"] = new JsonArray(Close);
        average["transformation"] = new JsonObject
        {
            ["transformation_type"] = "sql",
            ["code"] = $"SELECT entity_id, event_ts, avg(value) OVER (PARTITION BY entity_id ORDER BY event_ts ROWS 2 PRECEDING) AS value FROM {Close}",
        };
        await client.CreateAsync(average);
        await client.ActivateAsync(Close);

        await (await client.PutJsonAsync($"{FeatureApi.Url}/{Rsi}", """{"description": "RSI over 14 days, Wilder smoothing"}""")).ExpectAsync(200);
        await (await client.PostJsonAsync($"{FeatureApi.Url}/{Rsi}/versions", """
            {"version": "1.1.0", "changelog": "Wilder smoothing.", "transformation": {"transformation_type": "python", "code": "def rsi(p): ...", "parameters": {"period": 14}},
             "validation_rules": [{"rule_type": "range", "parameters": {"min": 0.0, "max": 100.0}, "is_blocking": true}], "created_by": "quant-team"}
            """)).ExpectAsync(201);

        var csv = "entity_id,event_ts,value\n" + string.Concat(Enumerable.Range(0, 30).SelectMany(d => new[] { $"AAPL,{Day(d)},{180 + d}\n", $"MSFT,{Day(d)},{400 - d}\n" }));
        await (await client.PostCsvAsync(Close, csv)).ExpectAsync(200);
        await client.IngestAsync(Rsi, Enumerable.Range(0, 10).Select(d => Row("AAPL", Day(d), 40.0 + d)).ToArray());
        await (await client.PostAsync($"{FeatureApi.Url}/{Average}/materialize", null)).ExpectAsync(200);

        await client.RecordAsync(UsageApi.Record(Rsi, "1.1.0"));
        await (await client.PostJsonAsync(UsageApi.BatchUrl, UsageApi.Batch(UsageApi.Record(Close), UsageApi.Record(Rsi, "1.0.0", environment: "staging")))).ExpectAsync(201);

        await (await client.PostJsonAsync("/api/v1/feature-sets", $$"""
            {"feature_set_name": "{{FeatureSet}}", "owner": "quant-team", "members": [{"feature_name": "{{Close}}", "feature_version": "1.0.0"}, {"feature_name": "{{Rsi}}"}]}
            """)).ExpectAsync(201);
    }

    /// <summary>
    /// Reads of everything <see cref="SeedAsync"/> wrote, as the API answers them: none with clock-dependent fields, and
    /// no statistics (DuckDB's parallel aggregates may differ in the last digit from one run to the next).
    /// </summary>
    public static readonly string[] Reads =
    [
        $"{FeatureApi.Url}?limit=500",
        $"{FeatureApi.Url}/{Close}", $"{FeatureApi.Url}/{Rsi}", $"{FeatureApi.Url}/{Average}",
        $"{FeatureApi.Url}/{Rsi}/versions", $"{FeatureApi.Url}/{Rsi}/versions/1.0.0", $"{FeatureApi.Url}/{Rsi}/lineage?recursive=true",
        $"{ValuesUrl(Close)}?limit=1000", $"{ValuesUrl(Rsi)}?limit=1000", $"{ValuesUrl(Average)}?limit=1000",
        $"{FeatureApi.Url}/{Rsi}/usage", $"{FeatureApi.Url}/{Close}/usage",
        $"/api/v1/feature-sets/{FeatureSet}", $"/api/v1/feature-sets/{FeatureSet}/versions",
    ];
}
