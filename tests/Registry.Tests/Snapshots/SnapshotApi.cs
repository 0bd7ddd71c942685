using System.Globalization;
using System.Text.Json.Nodes;
using Registry.DuckDb;
using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Snapshots;

/// <summary>
/// A small market over the first days of 2024, the feature set over it, and the reads the snapshot tests repeat.
/// Prefix p: features p_close (float), p_volume (integer), p_sector (string), set p_set 1.0.0 with them in that order.
/// </summary>
public static class SnapshotApi
{
    public static readonly DateTimeOffset Jan1 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static string CreateUrl(string set, string version = "1.0.0") => $"{FeatureSetApi.Url}/{set}/versions/{version}/snapshots";

    public static string Url(string id) => $"/api/v1/snapshots/{id}";

    public static string At(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// AAPL: close at 21:00 on Dec 30 … Jan 5, volume at 21:00 Jan 1 … Jan 4, sector only on Dec 27 (carried forward).
    /// MSFT: close at 21:00 on Jan 1, 2 and 4 (Jan 2 is null), sector at 12:00 on Jan 2. OLD: a close on Dec 29 only.
    /// </summary>
    public static async Task SeedAsync(HttpClient client, string p)
    {
        await client.CreateAsync(FeatureApi.Minimal($"{p}_close"));
        await client.CreateAsync(FeatureApi.Minimal($"{p}_volume", dataType: "integer"));
        await client.CreateAsync(FeatureApi.Minimal($"{p}_sector", dataType: "string"));
        await client.IngestAsync($"{p}_close",
            [.. Enumerable.Range(-2, 8).Select(d => Row("AAPL", At(Jan1.AddDays(d).AddHours(21)), 180.5 + d * 1.25)),
             Row("MSFT", At(Jan1.AddHours(21)), 370.25), Row("MSFT", At(Jan1.AddDays(1).AddHours(21)), null), Row("MSFT", At(Jan1.AddDays(3).AddHours(21)), 365.75),
             Row("OLD", At(Jan1.AddDays(-3).AddHours(21)), 1.0)]);
        await client.IngestAsync($"{p}_volume", [.. Enumerable.Range(0, 4).Select(d => Row("AAPL", At(Jan1.AddDays(d).AddHours(21)), 1_000_000 + d * 7919))]);
        await client.IngestAsync($"{p}_sector", Row("AAPL", At(Jan1.AddDays(-5)), "tech"), Row("MSFT", At(Jan1.AddDays(1).AddHours(12)), "software"));
        await client.CreateSetAsync($"{p}_set", $"{p}_close", $"{p}_volume", $"{p}_sector");
    }

    public static JsonObject Body(DateTimeOffset from, DateTimeOffset to, string? timeframe = null, params string[] entities)
    {
        var body = new JsonObject { ["from"] = At(from), ["to"] = At(to), ["created_by"] = "snapshot-tests" };
        if (timeframe is not null) body["timeframe"] = timeframe;
        if (entities.Length > 0) body["entity_ids"] = new JsonArray(entities.Select(e => (JsonNode)e!).ToArray());
        return body;
    }

    public static async Task<JsonNode> CreateSnapshotAsync(this HttpClient client, string set, JsonObject body) =>
        (await (await client.PostJsonAsync(CreateUrl(set), body.ToJsonString())).ExpectAsync(201))!;

    /// <summary>A snapshot's directory under the factory's default root (a snapshots folder next to the DuckDB file).</summary>
    public static string SnapshotDirectory(IRegistryApi api, JsonNode snapshot) => Path.Combine(Root(api), (string)snapshot["snapshot_id"]!);

    public static string Root(IRegistryApi api) => Path.Combine(api.ValuesDirectory, "snapshots");

    /// <summary>Rows of Parquet files as DuckDB reads them, in file order then row order.</summary>
    public static List<object?[]> ReadParquet(IEnumerable<string> files, out List<string> columns)
    {
        columns = [];
        var rows = new List<object?[]>();
        using var db = DuckDbDatabase.Open(":memory:");
        using var c = db.Rent();
        foreach (var file in files)
        {
            using var r = c.Query($"SELECT * FROM read_parquet({DuckDbSession.Literal(file)})");
            columns = Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToList();
            while (r.Read()) rows.Add(Enumerable.Range(0, r.FieldCount).Select(i => r.GetValueOrNull(i)).ToArray());
        }
        return rows;
    }

    /// <summary>All the rows of a snapshot, read back from its files (in the record's order).</summary>
    public static List<object?[]> ReadSnapshot(IRegistryApi api, JsonNode snapshot, out List<string> columns) =>
        ReadParquet(snapshot["files"]!.AsArray().Select(f => Path.Combine(SnapshotDirectory(api, snapshot), (string)f!["path"]!)), out columns);
}
