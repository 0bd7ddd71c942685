using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Features;
using Registry.Core.Values;
using Registry.Core.Versions;
using Registry.DuckDb;
using Registry.Postgres.LocalCluster;

namespace Registry.Benchmarks;

/// <summary>One way in, timed once per repeat: seconds per run and the rows each run wrote.</summary>
internal sealed record IngestCase(string Id, string Title, string What, long BodyBytes, int Rows, IReadOnlyList<double> Seconds, long Written, long Unchanged)
{
    public double MedianSeconds => Median(Seconds);

    public double RowsPerSecond => Rows / MedianSeconds;

    /// <summary>The fastest run: what the path can do when the shared machine leaves it alone.</summary>
    public double BestRowsPerSecond => Rows / Seconds.Min();

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

internal sealed record ValuesRun(BenchmarkOptions Options, string DuckDbVersion, string ServerUrl, TimeSpan Preparation, IngestCase Raw,
    IReadOnlyList<IngestCase> Ingest, string LatestFeature, IReadOnlyList<CaseResult> Latest)
{
    public CaseResult LatestService => Latest.Single(c => c.Id == "e");

    public IngestCase Case(string id) => Ingest.Single(c => c.Id == id);

    public double Ratio(string id) => Case(id).RowsPerSecond / Raw.RowsPerSecond;
}

/// <summary>
/// Issue 5: bulk ingest through the API against the raw DuckDB appender, measured in the same run, and the latest value
/// of one entity inside the service. The API is served by Kestrel on a loopback socket, so an ingest's time includes
/// sending the body over TCP, as a pipeline would.
/// </summary>
internal static class ValuesBenchmark
{
    private const string FeaturesUrl = "/api/v1/features";
    private const string Parquet = "application/vnd.apache.parquet";

    public static async Task<ValuesRun> RunAsync(BenchmarkOptions options, LocalPostgresCluster cluster, CancellationToken ct)
    {
        var shape = options.Values;
        await cluster.EnsureDatabaseAsync("registry_bench_values", ct);
        await using var factory = new BenchmarkApiFactory(cluster.ConnectionString("registry_bench_values"), kestrel: true);
        using var client = factory.CreateClient(); // starts the API on a free port; migrations run at start-up
        client.Timeout = TimeSpan.FromMinutes(10);
        Log($"API on {client.BaseAddress}, DuckDB file {factory.ValuesPath}");

        var prepared = Stopwatch.StartNew();
        Log($"preparing {shape.Rows:N0} rows over {shape.Entities:N0} entities as CSV, Parquet and JSON bodies");
        var data = BatchData.Create(shape.Rows, shape.Entities, factory.ValuesDirectory);
        prepared.Stop();
        Log($"bodies ready in {prepared.Elapsed.TotalSeconds:F1} s: CSV {Mib(data.Csv.Length)}, Parquet {Mib(data.Parquet.Length)}, JSON {Mib(data.Json.Length)}");

        var raw = new List<double>();
        var raw7 = new List<double>();
        var csv = new List<double>();
        var parquet = new List<double>();
        string? latestFeature = null;
        // Round 0 warms up (JIT, DuckDB's first reads of each format) and is not counted. The rounds after it are
        // interleaved, so drift in the machine's load falls on every case alike.
        for (var r = 0; r <= shape.Repeats; r++)
        {
            var round = r == 0 ? "warm-up" : $"{r}/{shape.Repeats}";
            var rawSeconds = RawAppend(data, Path.Combine(factory.ValuesDirectory, $"raw_{r}.duckdb"), storeColumns: false);
            Log($"raw appender {round}: {shape.Rows / rawSeconds:N0} rows/s");
            var raw7Seconds = RawAppend(data, Path.Combine(factory.ValuesDirectory, $"raw7_{r}.duckdb"), storeColumns: true);
            Log($"raw appender, 7 columns {round}: {shape.Rows / raw7Seconds:N0} rows/s");

            var csvFeature = await CreateFeatureAsync(client, $"bench_values_csv_{r}", ct);
            var csvSeconds = await IngestAsync(client, csvFeature, data.Csv, "text/csv", shape.Rows, 0, ct);
            Log($"API CSV {round}: {shape.Rows / csvSeconds:N0} rows/s");

            var parquetFeature = await CreateFeatureAsync(client, $"bench_values_parquet_{r}", ct);
            var parquetSeconds = await IngestAsync(client, parquetFeature, data.Parquet, Parquet, shape.Rows, 0, ct);
            Log($"API Parquet {round}: {shape.Rows / parquetSeconds:N0} rows/s");

            if (r == 0)
            {
                var warmJson = await CreateFeatureAsync(client, "bench_values_json_0", ct);
                await IngestAsync(client, warmJson, data.Json, "application/json", shape.Rows, 0, ct);
                continue;
            }
            raw.Add(rawSeconds);
            raw7.Add(raw7Seconds);
            csv.Add(csvSeconds);
            parquet.Add(parquetSeconds);
            latestFeature ??= csvFeature;
        }
        var jsonFeature = await CreateFeatureAsync(client, "bench_values_json", ct);
        var json = await IngestAsync(client, jsonFeature, data.Json, "application/json", shape.Rows, 0, ct);
        Log($"API JSON: {shape.Rows / json:N0} rows/s");
        // The same CSV body again: every row is already stored, so this times the anti-join that finds unchanged rows.
        var again = await IngestAsync(client, latestFeature!, data.Csv, "text/csv", 0, shape.Rows, ct);
        Log($"API CSV re-ingest: {shape.Rows / again:N0} rows/s");

        var rawCase = new IngestCase("r", "raw DuckDB appender", "`duckdb_append_*` row by row from memory into (entity_id VARCHAR, event_ts TIMESTAMP, value DOUBLE) in a fresh DuckDB file, BEGIN to COMMIT",
            0, shape.Rows, raw, shape.Rows, 0);
        var ingest = new List<IngestCase>
        {
            new("r7", "raw appender, the store's 7 columns (information)", "the same, plus the 4 columns the store stamps on every row (feature_version, contract_major, ingested_at, batch_id UUID appended as text)",
                0, shape.Rows, raw7, shape.Rows, 0),
            new("a", "API, CSV", "`POST /values`, `text/csv`, new feature", data.Csv.LongLength, shape.Rows, csv, shape.Rows, 0),
            new("b", "API, Parquet", $"`POST /values`, `{Parquet}`, new feature", data.Parquet.LongLength, shape.Rows, parquet, shape.Rows, 0),
            new("c", "API, JSON (information)", "`POST /values`, `application/json`, new feature", data.Json.LongLength, shape.Rows, [json], shape.Rows, 0),
            new("d", "API, CSV again (information)", "the body of (a) posted again to the same feature: every row unchanged, nothing written",
                data.Csv.LongLength, shape.Rows, [again], 0, shape.Rows),
        };

        Log($"latest value of one entity of {latestFeature}, inside the service and over HTTP");
        var service = await LatestInServiceAsync(factory, latestFeature!, data, shape, ct);
        var parts = await LatestPartsAsync(factory, latestFeature!, data, shape, ct);
        var http = await LatestOverHttpAsync(client, latestFeature!, data, shape, ct);
        return new ValuesRun(options, DuckDbDatabase.LibraryVersion, client.BaseAddress?.ToString() ?? "", prepared.Elapsed, rawCase, ingest,
            latestFeature!, [service, .. parts, http]);
    }

    /// <summary>
    /// The floor: the C API appender writing the rows from memory into a fresh file, timed from BEGIN to COMMIT. With
    /// <paramref name="storeColumns"/>, also the columns the store stamps on each row (version, contract major, ingest
    /// instant, batch id), which the appender must be given row by row.
    /// </summary>
    private static double RawAppend(BatchData data, string path, bool storeColumns)
    {
        using var db = DuckDbDatabase.Open(path);
        using (var c = db.Connect())
        {
            c.Execute(storeColumns
                ? """
                  CREATE TABLE raw_values (entity_id VARCHAR NOT NULL, event_ts TIMESTAMP NOT NULL, value DOUBLE, feature_version VARCHAR NOT NULL,
                                           contract_major INTEGER NOT NULL, ingested_at TIMESTAMP NOT NULL, batch_id UUID NOT NULL)
                  """
                : "CREATE TABLE raw_values (entity_id VARCHAR NOT NULL, event_ts TIMESTAMP NOT NULL, value DOUBLE)");
            var batchId = Guid.NewGuid().ToString();
            var ingestedAt = Timestamps.ToMicros(DateTimeOffset.UtcNow);
            var start = Stopwatch.GetTimestamp();
            c.Begin();
            using (var appender = c.CreateAppender(null, null, "raw_values"))
            {
                for (var i = 0; i < data.Rows; i++)
                {
                    appender.Append(data.Entities[i]);
                    appender.AppendTimestampMicros(data.EventMicros[i]);
                    appender.Append(data.Values[i]);
                    if (storeColumns)
                    {
                        appender.Append("1.0.0");
                        appender.Append(1L);
                        appender.AppendTimestampMicros(ingestedAt);
                        appender.Append(batchId); // VARCHAR into UUID: the appender casts (our layer has no UUID append)
                    }
                    appender.EndRow();
                }
                appender.Close();
            }
            c.Commit();
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            using var check = c.Query("SELECT count(*) FROM raw_values");
            check.Read();
            if (check.GetInt64(0) != data.Rows) throw new InvalidOperationException($"the raw table holds {check.GetInt64(0)} rows, not {data.Rows}");
            return seconds;
        }
    }

    private static async Task<string> CreateFeatureAsync(HttpClient client, string name, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["feature_name"] = name,
            ["feature_type"] = "raw",
            ["data_type"] = "float",
            ["owner"] = "bench",
            ["description"] = "Issue 5 benchmark: bulk ingest and latest values.",
        });
        using var response = await client.PostAsync(FeaturesUrl, new StringContent(body, Encoding.UTF8, "application/json"), ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {FeaturesUrl} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        return name;
    }

    /// <summary>Times one POST from the first byte sent to the last byte of the answer; checks what it wrote.</summary>
    private static async Task<double> IngestAsync(HttpClient client, string feature, byte[] body, string contentType, long expectWritten,
        long expectUnchanged, CancellationToken ct)
    {
        var url = $"{FeaturesUrl}/{feature}/values";
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        GC.Collect();
        var start = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync(url, content, ct);
        var answer = await response.Content.ReadAsByteArrayAsync(ct);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {url} ({contentType}) answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer)}");
        using var json = JsonDocument.Parse(answer);
        var written = json.RootElement.GetProperty("rows_written").GetInt64();
        var unchanged = json.RootElement.GetProperty("rows_unchanged").GetInt64();
        if (written != expectWritten || unchanged != expectUnchanged)
            throw new InvalidOperationException($"POST {url} ({contentType}) wrote {written} and left {unchanged} unchanged; expected {expectWritten} and {expectUnchanged}");
        return seconds;
    }

    /// <summary>ValueService.LatestAsync as a controller calls it: the feature and its versions from PostgreSQL, then DuckDB's primary-key lookup.</summary>
    private static async Task<CaseResult> LatestInServiceAsync(BenchmarkApiFactory factory, string feature, BatchData data, ValuesShape shape, CancellationToken ct)
    {
        using var scope = factory.Services.CreateScope();
        var service = scope.ServiceProvider.GetRequiredService<ValueService>();
        var asks = Enumerable.Range(0, shape.Entities).Select(e => (IReadOnlyList<string>)[data.Entity(e)]).ToArray();
        var call = 0;
        var (millis, last) = await Measurement.TimeAsync(shape.LatestWarmup, shape.LatestIterations, async () =>
        {
            var entity = call++ % shape.Entities;
            var (_, rows) = await service.LatestAsync(feature, asks[entity], null, ct);
            if (rows.Count != 1 || (double)rows[0].Value! != data.LatestValue(entity))
                throw new InvalidOperationException($"LatestAsync({data.Entity(entity)}) returned {rows.Count} rows, not its latest value {data.LatestValue(entity)}");
            return rows[0];
        });
        return CaseResult.From("e", "latest, inside the service", "`ValueService.LatestAsync(feature, [one entity], null, ct)`", millis,
            Invariant($"{last.EntityId} at {last.EventTs:yyyy-MM-dd HH:mm}: {last.Value}"), null);
    }

    /// <summary>Where (e) spends its time: its three reads, each timed alone the same way.</summary>
    private static async Task<CaseResult[]> LatestPartsAsync(BenchmarkApiFactory factory, string feature, BatchData data, ValuesShape shape, CancellationToken ct)
    {
        using var scope = factory.Services.CreateScope();
        var features = scope.ServiceProvider.GetRequiredService<IFeatureStore>();
        var versions = scope.ServiceProvider.GetRequiredService<IVersionStore>();
        var store = scope.ServiceProvider.GetRequiredService<IValueStore>();
        var definition = await features.GetAsync(feature, ct) ?? throw new InvalidOperationException($"{feature} is gone");
        var table = ValueTable.For(definition);
        var known = await versions.ListAsync(feature, ct);
        var major = ValueService.ContractMajor(known.Single(v => v.Version == definition.CurrentVersion), known);
        var asks = Enumerable.Range(0, shape.Entities).Select(e => (IReadOnlyList<string>)[data.Entity(e)]).ToArray();

        var (getMillis, _) = await Measurement.TimeAsync(shape.LatestWarmup, shape.LatestIterations, async () => await features.GetAsync(feature, ct));
        var (listMillis, all) = await Measurement.TimeAsync(shape.LatestWarmup, shape.LatestIterations, async () => await versions.ListAsync(feature, ct));
        var call = 0;
        var (lookupMillis, rows) = await Measurement.TimeAsync(shape.LatestWarmup, shape.LatestIterations, async () =>
            await store.LatestAsync(table, major, asks[call++ % shape.Entities], ct));
        return
        [
            CaseResult.From("e1", "(e), part 1: the feature (information)", "`IFeatureStore.GetAsync`: PostgreSQL, one row with its upstream and downstream names", getMillis, "1 definition", null),
            CaseResult.From("e2", "(e), part 2: its versions (information)", "`IVersionStore.ListAsync`: PostgreSQL, every version of the feature", listMillis, Invariant($"{all.Count} version(s)"), null),
            CaseResult.From("e3", "(e), part 3: the lookup (information)", "`IValueStore.LatestAsync`: DuckDB, the feature's latest-value table by (entity, contract major)", lookupMillis, Invariant($"{rows.Count} row"), null),
        ];
    }

    private static async Task<CaseResult> LatestOverHttpAsync(HttpClient client, string feature, BatchData data, ValuesShape shape, CancellationToken ct)
    {
        var call = 0;
        var (millis, body) = await Measurement.TimeAsync(shape.LatestWarmup, shape.LatestIterations, async () =>
        {
            var url = $"{FeaturesUrl}/{feature}/values/latest?entity_id={data.Entity(call++ % shape.Entities)}";
            using var response = await client.GetAsync(url, ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
            return bytes;
        });
        return CaseResult.From("f", "latest, over HTTP (information)", $"`GET {FeaturesUrl}/{feature}/values/latest?entity_id=…`", millis,
            "1 value", body.LongLength);
    }

    private static string Mib(long bytes) => Invariant($"{bytes / 1048576.0:F1} MiB");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static void Log(string message) => LineageBenchmark.Log(message);
}

/// <summary>
/// The N rows of every case: entity_00000 … cycling, one event a minute per entity from 2024-01-01, deterministic values.
/// Generated and written out by an in-memory DuckDB (CSV and JSON with ISO 8601 instants, Parquet with TIMESTAMP), and held
/// in memory for the raw appender, so no case pays for producing its input.
/// </summary>
internal sealed class BatchData
{
    private BatchData(int rows, int entities) => (Rows, EntityCount) = (rows, entities);

    public int Rows { get; }
    public int EntityCount { get; }
    public string[] Entities { get; private set; } = [];
    public long[] EventMicros { get; private set; } = [];
    public double[] Values { get; private set; } = [];
    public byte[] Csv { get; private set; } = [];
    public byte[] Parquet { get; private set; } = [];
    public byte[] Json { get; private set; } = [];

    public string Entity(int index) => Invariant($"entity_{index:D5}");

    /// <summary>The value of the entity's last row: rows cycle through the entities, so it is one of the last <see cref="EntityCount"/> rows.</summary>
    public double LatestValue(int entity)
    {
        var last = (Rows - 1) / EntityCount * EntityCount + entity;
        if (last >= Rows) last -= EntityCount;
        return Values[last];
    }

    public static BatchData Create(int rows, int entities, string folder)
    {
        var data = new BatchData(rows, entities);
        var select = Invariant($"""
            SELECT 'entity_' || lpad(CAST(i % {entities} AS VARCHAR), 5, '0') AS entity_id,
                   TIMESTAMP '2024-01-01 00:00:00' + to_minutes(CAST(i // {entities} AS BIGINT)) AS event_ts,
                   CAST((i * 7919) % 100000 AS DOUBLE) / 100 AS value
            FROM range({rows}) t(i) ORDER BY i
            """);
        const string iso = "SELECT entity_id, strftime(event_ts, '%Y-%m-%dT%H:%M:%SZ') AS event_ts, value FROM src";
        using var db = DuckDbDatabase.Open(":memory:");
        using var c = db.Connect();
        c.Execute($"CREATE TABLE src AS {select}");
        data.Csv = Export(c, folder, "csv", $"COPY ({iso}) TO {{0}} (FORMAT csv, HEADER)");
        data.Parquet = Export(c, folder, "parquet", "COPY src TO {0} (FORMAT parquet)");
        // DuckDB writes the array; the API wants it under "rows".
        var array = Export(c, folder, "json", $"COPY ({iso}) TO {{0}} (FORMAT json, ARRAY true)");
        data.Json = [.. "{\"rows\":"u8, .. array, .. "}"u8];

        data.Entities = new string[rows];
        data.EventMicros = new long[rows];
        data.Values = new double[rows];
        using var r = c.Query("SELECT entity_id, event_ts, value FROM src");
        for (var i = 0; r.Read(); i++)
        {
            data.Entities[i] = r.GetString(0);
            data.EventMicros[i] = r.GetTimestampMicros(1);
            data.Values[i] = r.GetDouble(2);
        }
        return data;
    }

    private static byte[] Export(DuckDbConnection c, string folder, string extension, string copy)
    {
        var file = Path.Combine(folder, $"body.{extension}");
        try
        {
            c.Execute(string.Format(CultureInfo.InvariantCulture, copy, DuckDbConnection.Literal(file)));
            return File.ReadAllBytes(file);
        }
        finally { File.Delete(file); }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
