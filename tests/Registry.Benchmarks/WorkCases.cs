using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Registry.DuckDb;

namespace Registry.Benchmarks;

/// <summary>One large request (or raw operation), timed once per round: seconds per round, and the API's peak memory during it.</summary>
internal sealed record TimedCase(string Id, string Title, string What, long Rows, IReadOnlyList<double> Seconds, long? PeakBytes = null, string? Body = null,
    string? Profile = null)
{
    public double Median
    {
        get
        {
            var sorted = Seconds.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    public double RowsPerSecond => Rows / Median;
}

internal sealed record WorkRun(IReadOnlyList<TimedCase> Ingest, IReadOnlyList<TimedCase> Training, TimedCase Feast, TimedCase FeastJson, int TrainingNonNull)
{
    public TimedCase Case(string id) => Ingest.Concat(Training).Append(Feast).Single(c => c.Id == id);
}

/// <summary>
/// The one-request cases, each against the raw engine doing the same work in the same rounds (interleaved, so drift in the
/// machine's load falls on both alike; one uncounted warm-up round first): bulk ingest against the DuckDB appender, a
/// point-in-time training set against the equivalent ASOF query on the harness's own copy of the rows, and the Feast #3003 shape.
/// </summary>
internal static class WorkCases
{
    private const string Parquet = "application/vnd.apache.parquet";

    public static async Task<WorkRun> RunAsync(HarnessOptions options, ApiProcess api, HttpClient client, Dataset data, string rawPath, string folder,
        CancellationToken ct)
    {
        var ingest = await IngestCasesAsync(options, api, client, folder, ct);
        var (training, nonNull) = await TrainingCasesAsync(options, api, client, data, rawPath, folder, ct);
        var (feast, feastJson) = await FeastCasesAsync(options, api, client, data, folder, ct);
        return new WorkRun(ingest, training, feast, feastJson, nonNull);
    }

    /// <summary>Bulk ingest of 1 M rows as CSV and as Parquet, against the raw appender (3 and 7 columns), interleaved by round.</summary>
    public static async Task<IReadOnlyList<TimedCase>> IngestCasesAsync(HarnessOptions options, ApiProcess api, HttpClient client, string folder,
        CancellationToken ct)
    {
        var work = options.Work;
        Harness.Log($"ingest: preparing {work.IngestRows:N0} rows over {work.IngestEntities:N0} entities as CSV and Parquet bodies");
        var batch = BatchData.Create(work.IngestRows, work.IngestEntities, folder);
        var raw = new List<double>();
        var raw7 = new List<double>();
        var csv = new List<double>();
        var parquet = new List<double>();
        long csvPeak = 0, parquetPeak = 0;
        for (var r = 0; r <= work.Rounds; r++)
        {
            var round = r == 0 ? "warm-up" : $"{r}/{work.Rounds}";
            var rawSeconds = RawAppend(batch, Path.Combine(folder, $"raw_{r}.duckdb"), storeColumns: false);
            var raw7Seconds = RawAppend(batch, Path.Combine(folder, $"raw7_{r}.duckdb"), storeColumns: true);
            api.ResetPeak();
            var csvSeconds = await IngestAsync(client, $"bench_ingest_csv_{r}", batch.Csv, "text/csv", work.IngestRows, ct);
            csvPeak = Math.Max(csvPeak, api.PeakBytes);
            api.ResetPeak();
            var parquetSeconds = await IngestAsync(client, $"bench_ingest_parquet_{r}", batch.Parquet, Parquet, work.IngestRows, ct);
            parquetPeak = Math.Max(parquetPeak, api.PeakBytes);
            Harness.Log(Invariant($"ingest {round}: raw {work.IngestRows / rawSeconds:N0}, raw 7 columns {work.IngestRows / raw7Seconds:N0}, API CSV {work.IngestRows / csvSeconds:N0}, API Parquet {work.IngestRows / parquetSeconds:N0} rows/s"));
            if (r == 0) continue;
            raw.Add(rawSeconds);
            raw7.Add(raw7Seconds);
            csv.Add(csvSeconds);
            parquet.Add(parquetSeconds);
        }
        var ingest = new List<TimedCase>
        {
            new("ingest_raw", "raw DuckDB appender", "`duckdb_append_*` row by row from memory into (entity_id VARCHAR, event_ts TIMESTAMP, value DOUBLE) in a fresh file, BEGIN to COMMIT", work.IngestRows, raw),
            new("ingest_raw7", "raw appender, the store's 7 columns (information)", "the same plus the 4 columns the store stamps on every row", work.IngestRows, raw7),
            new("ingest_csv", "API, CSV", $"`POST /api/v1/features/{{new}}/values`, `text/csv`, {Mib(batch.Csv.LongLength)}", work.IngestRows, csv, csvPeak),
            new("ingest_parquet", "API, Parquet", $"`POST /api/v1/features/{{new}}/values`, `{Parquet}`, {Mib(batch.Parquet.LongLength)}", work.IngestRows, parquet, parquetPeak),
        };
        Harness.Log(Invariant($"ingest medians: raw {ingest[0].RowsPerSecond:N0}, API CSV {ingest[2].RowsPerSecond:N0} ({ingest[2].RowsPerSecond / ingest[0].RowsPerSecond:P0}), API Parquet {ingest[3].RowsPerSecond:N0} ({ingest[3].RowsPerSecond / ingest[0].RowsPerSecond:P0}) rows/s"));
        return ingest;
    }

    /// <summary>The point-in-time training set, JSON and Parquet upload, against the raw ASOF query; their answers must agree.</summary>
    public static async Task<(IReadOnlyList<TimedCase> Cases, int NonNull)> TrainingCasesAsync(HarnessOptions options, ApiProcess api, HttpClient client,
        Dataset data, string rawPath, string folder, CancellationToken ct)
    {
        var work = options.Work;
        // The training set: labels over the heavy features' entities and window, as JSON rows and as an uploaded Parquet file.
        var features = data.ValueFeatures.Take(work.TrainingFeatures).ToList();
        var labels = Labels(work.TrainingLabels, data.Shape.HeavyFeatures > 0 ? data.Shape.HeavyEntities : data.Shape.LightEntities, Window(data.Shape), seed: 1);
        var jsonBody = TrainingBody(features, labels);
        var labelsParquet = LabelsParquet(labels, folder, "labels.parquet");
        var uploadUrl = "api/v1/training-sets/upload?format=parquet&" + string.Join('&', features.Select(f => $"features={f}@1.0.0"));
        var rawAsof = new List<double>();
        var apiJson = new List<double>();
        var apiUpload = new List<double>();
        long jsonPeak = 0, uploadPeak = 0;
        var rawNonNull = 0L;
        var apiNonNull = 0;
        for (var r = 0; r <= work.Rounds; r++)
        {
            var round = r == 0 ? "warm-up" : $"{r}/{work.Rounds}";
            var (rawSeconds, nonNull) = RawAsof(rawPath, features.Count, labels);
            rawNonNull = nonNull;
            api.ResetPeak();
            var (jsonSeconds, answer) = await PostAsync(client, "api/v1/training-sets", jsonBody, "application/json", ct, api);
            jsonPeak = Math.Max(jsonPeak, api.PeakBytes);
            if (r == 0) apiNonNull = CountNonNull(answer, labels.Count, features);
            api.ResetPeak();
            var (uploadSeconds, _) = await PostAsync(client, uploadUrl, labelsParquet, Parquet, ct, api);
            uploadPeak = Math.Max(uploadPeak, api.PeakBytes);
            Harness.Log(Invariant($"training set {round}: raw ASOF {rawSeconds:F2} s, API JSON {jsonSeconds:F2} s, API upload → Parquet {uploadSeconds:F2} s"));
            if (r == 0) continue;
            rawAsof.Add(rawSeconds);
            apiJson.Add(jsonSeconds);
            apiUpload.Add(uploadSeconds);
        }
        if (apiNonNull != rawNonNull)
            throw new InvalidOperationException($"the API's training set has {apiNonNull} values, the raw ASOF query {rawNonNull}: they must agree");
        var training = new List<TimedCase>
        {
            new("training_raw", "raw DuckDB ASOF query", $"in the harness's own file: the labels appended to a table, one SELECT with {features.Count} ASOF LEFT JOINs on (entity_id, ts ≥ event_ts) over the same rows, ORDER BY label, every row read", labels.Count, rawAsof),
            new("training_json", "API, JSON rows in, JSON out", $"`POST /api/v1/training-sets` with `features` ({features.Count} × `name@1.0.0`) and {labels.Count:N0} `rows`, {Mib(jsonBody.LongLength)}; answer read to the end", labels.Count, apiJson, jsonPeak),
            new("training_upload", "API, Parquet labels uploaded, Parquet out", $"`POST /api/v1/training-sets/upload?format=parquet&features=…`, {Mib(labelsParquet.LongLength)} of labels", labels.Count, apiUpload, uploadPeak),
        };
        return (training, apiNonNull);
    }

    /// <summary>The Feast #3003 shape: one request, Parquet out (timed, peak memory), then the same answered as JSON.</summary>
    public static async Task<(TimedCase Parquet, TimedCase Json)> FeastCasesAsync(HarnessOptions options, ApiProcess api, HttpClient client, Dataset data,
        string folder, CancellationToken ct)
    {
        var work = options.Work;
        // Feast #3003: 17 k label rows × 1,000 features, one request, Parquet out (a data frame's format), then JSON for information.
        var feastFeatures = data.ValueFeatures.Take(work.FeastFeatures).ToList();
        var feastLabels = Labels(work.FeastLabels, data.Shape.LightEntities, Window(data.Shape), seed: 2);
        var feastBody = TrainingBody(feastFeatures, feastLabels);
        Harness.Log($"Feast #3003 shape: {feastLabels.Count:N0} rows × {feastFeatures.Count:N0} features");
        // Where the API's memory sits before and after, from its /metrics: what the peak is made of.
        var before = await ApiMetrics.ReadAsync(client, ct);
        api.ResetPeak();
        var post = PostAsync(client, "api/v1/training-sets?format=parquet", feastBody, "application/json", ct, api);
        var nearest = await ApiMetrics.LargestWhileAsync(client, post, TimeSpan.FromMilliseconds(250), ct);
        var (feastSeconds, feastAnswer) = await post;
        var feastPeak = api.PeakBytes;
        var after = await ApiMetrics.ReadAsync(client, ct);
        CheckParquet(feastAnswer, feastLabels.Count, feastFeatures.Count + 2, folder);
        var profile = Invariant($"before the request, {before.Memory()}; nearest the peak (read every 250 ms), {nearest?.Memory()}; after it, {after.Memory()}");
        Harness.Log(Invariant($"Feast shape, Parquet: {feastSeconds:F1} s, API peak {feastPeak / 1048576.0:N0} MiB; {profile}"));
        var feast = new TimedCase("feast", "Feast #3003 shape, Parquet out",
            $"`POST /api/v1/training-sets?format=parquet`, {feastLabels.Count:N0} `rows` × {feastFeatures.Count:N0} features; answer {Mib(feastAnswer.LongLength)}",
            feastLabels.Count, [feastSeconds], feastPeak, Profile: profile);
        api.ResetPeak();
        var (jsonSeconds2, jsonAnswer) = await PostAsync(client, "api/v1/training-sets", feastBody, "application/json", ct, api);
        var feastJson = new TimedCase("feast_json", "Feast #3003 shape, JSON out (information)",
            $"the same request answered as JSON; {Mib(jsonAnswer.LongLength)}", feastLabels.Count, [jsonSeconds2], api.PeakBytes);
        Harness.Log(Invariant($"Feast shape, JSON: {jsonSeconds2:F1} s, API peak {feastJson.PeakBytes / 1048576.0:N0} MiB"));
        return (feast, feastJson);
    }

    /// <summary>The window every value feature covers: from the first event to the last heavy (or light) one.</summary>
    private static (DateTime From, TimeSpan Length) Window(DatasetShape s) =>
        (Generator.Start, TimeSpan.FromHours(s.HeavyFeatures > 0 ? s.HeavyEvents : s.LightEvents * 10));

    /// <summary>Deterministic labels: entity i mod <paramref name="entities"/>, an instant spread over the window (a few before it, unlabelled).</summary>
    private static List<(string Entity, DateTime Ts)> Labels(int count, int entities, (DateTime From, TimeSpan Length) window, int seed)
    {
        var random = new Random(seed);
        var labels = new List<(string, DateTime)>(count);
        for (var i = 0; i < count; i++)
        {
            var offset = TimeSpan.FromSeconds(random.NextDouble() * window.Length.TotalSeconds * 1.02 - window.Length.TotalSeconds * 0.01);
            labels.Add((Generator.Entity(i % entities), window.From + offset));
        }
        return labels;
    }

    private static byte[] TrainingBody(IReadOnlyList<string> features, List<(string Entity, DateTime Ts)> labels)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("features");
            foreach (var f in features) w.WriteStringValue($"{f}@1.0.0");
            w.WriteEndArray();
            w.WriteStartArray("rows");
            foreach (var (entity, ts) in labels)
            {
                w.WriteStartObject();
                w.WriteString("entity_id", entity);
                w.WriteString("ts", ts.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>The labels as a Parquet file of (entity_id VARCHAR, ts TIMESTAMP), written by DuckDB.</summary>
    private static byte[] LabelsParquet(List<(string Entity, DateTime Ts)> labels, string folder, string name)
    {
        var file = Path.Combine(folder, name);
        using var db = DuckDbDatabase.Open(":memory:");
        using var c = db.Rent();
        c.Execute("CREATE TABLE labels (row_no BIGINT, entity_id VARCHAR, ts TIMESTAMP)");
        Append(c, labels);
        c.Execute($"COPY (SELECT entity_id, ts FROM labels ORDER BY row_no) TO {DuckDbSession.Literal(file)} (FORMAT parquet)");
        var bytes = File.ReadAllBytes(file);
        File.Delete(file);
        return bytes;
    }

    private static void Append(DuckDbSession c, List<(string Entity, DateTime Ts)> labels)
    {
        using var appender = c.Connection.CreateAppender("labels");
        long n = 0;
        foreach (var (entity, ts) in labels) appender.CreateRow().AppendValue(n++).AppendValue(entity).AppendValue(ts).EndRow();
        appender.Close();
    }

    /// <summary>
    /// The physical limit of the training set: on the harness's own copy of the rows (a plain table per feature, the file
    /// already open as the API's is), the labels appended to a table, then one ASOF query reading every row. Returns the seconds and
    /// how many feature values were found.
    /// </summary>
    private static (double Seconds, long NonNull) RawAsof(string rawPath, int features, List<(string Entity, DateTime Ts)> labels)
    {
        using var db = DuckDbDatabase.Open(rawPath);
        using var c = db.Rent();
        GC.Collect();
        var start = Stopwatch.GetTimestamp();
        c.Execute("CREATE TEMP TABLE labels (row_no BIGINT, entity_id VARCHAR, ts TIMESTAMP)");
        Append(c, labels);
        var select = new StringBuilder("SELECT l.entity_id, l.ts");
        var joins = new StringBuilder();
        for (var k = 0; k < features; k++)
        {
            select.Append(CultureInfo.InvariantCulture, $", j{k}.value AS v{k}");
            joins.Append(CultureInfo.InvariantCulture, $" ASOF LEFT JOIN {Generator.RawTable(k)} j{k} ON l.entity_id = j{k}.entity_id AND l.ts >= j{k}.event_ts");
        }
        long nonNull = 0;
        using (var r = c.Query($"{select} FROM temp.labels l{joins} ORDER BY l.row_no"))
        {
            while (r.Read())
            {
                _ = r.GetString(0);
                _ = r.GetDateTime(1);
                for (var k = 0; k < features; k++)
                {
                    if (r.IsNull(k + 2)) continue;
                    _ = r.GetDouble(k + 2);
                    nonNull++;
                }
            }
        }
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        c.Execute("DROP TABLE temp.labels");
        return (seconds, nonNull);
    }

    /// <summary>Counts the non-null feature values of a JSON training set, checking it has one row per label.</summary>
    private static int CountNonNull(byte[] answer, int rows, IReadOnlyList<string> features)
    {
        using var json = JsonDocument.Parse(answer);
        var list = json.RootElement.GetProperty("rows");
        if (list.GetArrayLength() != rows) throw new InvalidOperationException($"the training set has {list.GetArrayLength()} rows, not {rows}");
        var count = 0;
        foreach (var row in list.EnumerateArray())
            foreach (var f in features)
                if (row.GetProperty(f).ValueKind == JsonValueKind.Number) count++;
        return count;
    }

    private static void CheckParquet(byte[] answer, int rows, int columns, string folder)
    {
        var file = Path.Combine(folder, "answer.parquet");
        File.WriteAllBytes(file, answer);
        try
        {
            using var db = DuckDbDatabase.Open(":memory:");
            using var c = db.Rent();
            using var r = c.Query($"SELECT count(*), (SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet({DuckDbSession.Literal(file)}))) FROM read_parquet({DuckDbSession.Literal(file)})");
            r.Read();
            if (r.GetInt64(0) != rows || r.GetInt64(1) != columns)
                throw new InvalidOperationException($"the Parquet answer has {r.GetInt64(0)} rows and {r.GetInt64(1)} columns, not {rows} and {columns}");
        }
        finally { File.Delete(file); }
    }

    private static async Task<double> IngestAsync(HttpClient client, string feature, byte[] body, string contentType, long rows, CancellationToken ct)
    {
        var create = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["feature_name"] = feature,
            ["feature_type"] = "raw",
            ["data_type"] = "float",
            ["owner"] = "bench",
            ["description"] = "Bulk ingest case of the performance harness.",
        });
        var (_, created) = await PostAsync(client, "api/v1/features", create, "application/json", ct);
        _ = created;
        var (seconds, answer) = await PostAsync(client, $"api/v1/features/{feature}/values", body, contentType, ct);
        using var json = JsonDocument.Parse(answer);
        var written = json.RootElement.GetProperty("rows_written").GetInt64();
        if (written != rows) throw new InvalidOperationException($"ingest into {feature} ({contentType}) wrote {written} rows, not {rows}");
        return seconds;
    }

    /// <summary>Times one POST from the first byte sent to the last byte of the answer.</summary>
    private static async Task<(double Seconds, byte[] Answer)> PostAsync(HttpClient client, string url, byte[] body, string contentType, CancellationToken ct,
        ApiProcess? api = null)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        GC.Collect();
        var start = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync(url, content, ct);
        var answer = await response.Content.ReadAsByteArrayAsync(ct);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {url} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer.AsSpan(0, Math.Min(answer.Length, 2000)))}" +
                (api is null ? "" : $"\nThe API's last lines:\n{api.Tail()}"));
        return (seconds, answer);
    }

    /// <summary>
    /// The floor of ingest: DuckDB.NET's appender writing the rows from memory into a fresh file, BEGIN to COMMIT. With
    /// <paramref name="storeColumns"/>, also the four columns the store stamps on each row, given row by row.
    /// </summary>
    private static double RawAppend(BatchData data, string path, bool storeColumns)
    {
        try
        {
            using var db = DuckDbDatabase.Open(path);
            using var c = db.Rent();
            c.Execute(storeColumns
                ? """
                  CREATE TABLE raw_values (entity_id VARCHAR NOT NULL, event_ts TIMESTAMP NOT NULL, value DOUBLE, feature_version VARCHAR NOT NULL,
                                           contract_major INTEGER NOT NULL, ingested_at TIMESTAMP NOT NULL, batch_id UUID NOT NULL)
                  """
                : "CREATE TABLE raw_values (entity_id VARCHAR NOT NULL, event_ts TIMESTAMP NOT NULL, value DOUBLE)");
            var batchId = Guid.NewGuid();
            var ingestedAt = DateTime.UtcNow;
            GC.Collect();
            var start = Stopwatch.GetTimestamp();
            c.Begin();
            // DuckDB.NET's appender as it is (no per-value type check): the floor the store's checked appender is measured against.
            using (var appender = c.Connection.CreateAppender("raw_values"))
            {
                for (var i = 0; i < data.Rows; i++)
                {
                    var row = appender.CreateRow().AppendValue(data.Entities[i]).AppendValue(data.EventTimes[i]).AppendValue(data.Values[i]);
                    if (storeColumns) row.AppendValue("1.0.0").AppendValue(1).AppendValue(ingestedAt).AppendValue(batchId);
                    row.EndRow();
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
        finally
        {
            File.Delete(path);
            File.Delete(path + ".wal");
        }
    }

    private static string Mib(long bytes) => Invariant($"{bytes / 1048576.0:F1} MiB");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The N rows of the ingest case: entity_00000 … cycling, one event a minute per entity from 2024-01-01, deterministic values,
/// written as CSV (ISO 8601 instants) and Parquet (TIMESTAMP) by an in-memory DuckDB and held in memory for the raw appender,
/// so no case pays for producing its input.
/// </summary>
internal sealed class BatchData
{
    private BatchData(int rows) => Rows = rows;

    public int Rows { get; }
    public string[] Entities { get; private set; } = [];
    public DateTime[] EventTimes { get; private set; } = [];
    public double[] Values { get; private set; } = [];
    public byte[] Csv { get; private set; } = [];
    public byte[] Parquet { get; private set; } = [];

    public static BatchData Create(int rows, int entities, string folder)
    {
        var data = new BatchData(rows);
        var select = FormattableString.Invariant($"""
            SELECT 'entity_' || lpad(CAST(i % {entities} AS VARCHAR), 5, '0') AS entity_id,
                   TIMESTAMP '2024-01-01 00:00:00' + to_minutes(CAST(i // {entities} AS BIGINT)) AS event_ts,
                   CAST((i * 7919) % 100000 AS DOUBLE) / 100 AS value
            FROM range({rows}) t(i) ORDER BY i
            """);
        using var db = DuckDbDatabase.Open(":memory:");
        using var c = db.Rent();
        c.Execute($"CREATE TABLE src AS {select}");
        data.Csv = Export(c, folder, "csv", "COPY (SELECT entity_id, strftime(event_ts, '%Y-%m-%dT%H:%M:%SZ') AS event_ts, value FROM src) TO {0} (FORMAT csv, HEADER)");
        data.Parquet = Export(c, folder, "parquet", "COPY src TO {0} (FORMAT parquet)");
        data.Entities = new string[rows];
        data.EventTimes = new DateTime[rows];
        data.Values = new double[rows];
        using var r = c.Query("SELECT entity_id, event_ts, value FROM src");
        for (var i = 0; r.Read(); i++)
        {
            data.Entities[i] = r.GetString(0);
            data.EventTimes[i] = r.GetDateTime(1);
            data.Values[i] = r.GetDouble(2);
        }
        return data;
    }

    private static byte[] Export(DuckDbSession c, string folder, string extension, string copy)
    {
        var file = Path.Combine(folder, $"body.{extension}");
        try
        {
            c.Execute(string.Format(CultureInfo.InvariantCulture, copy, DuckDbSession.Literal(file)));
            return File.ReadAllBytes(file);
        }
        finally { File.Delete(file); }
    }
}
