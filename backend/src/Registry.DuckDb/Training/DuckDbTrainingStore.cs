using DuckDB.NET.Data;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Registry.Core.Common;
using Registry.Core.Training;
using Registry.Core.Values;
using Registry.DuckDb.Values;

namespace Registry.DuckDb.Training;

/// <summary>
/// Point-in-time joins in DuckDB: the labels go to a TEMP table; the features are joined in groups of one data type,
/// each group as ONE ASOF LEFT JOIN on (entity_id, feature, ts ≥ event_ts) of the labels (one copy per feature of the
/// group) against the group's rows a read would return (as of an instant, in one contract), turned back into one column
/// per feature by a GROUP BY on the label (ADR 0043). Rows come back in the labels' order.
/// </summary>
public sealed class DuckDbTrainingStore(DuckDbDatabase db, StagingArea staging) : ITrainingStore
{
    /// <summary>
    /// Features per ASOF join. Each ASOF join (and each per-feature window) costs DuckDB a partitioned sort whose fixed
    /// cost dwarfs 17,000 labels against 10,000 rows, so one join per feature spent most of a wide training set there;
    /// one join per group pays it once for 25. Larger groups measured slower (the labels are copied once per feature).
    /// </summary>
    private const int GroupSize = 25;

    public async IAsyncEnumerable<object?[]> BuildAsync(LabelSource labels, IReadOnlyList<PinnedFeature> features, DateTimeOffset? asOf,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var session = await PrepareAsync(labels, features, asOf, ct);
        using var reader = session.Connection.Query(session.FinalSelect);
        var width = 2 + features.Count;
        while (reader.Read())
        {
            ct.ThrowIfCancellationRequested();
            var row = new object?[width];
            row[0] = reader.GetString(0);
            row[1] = reader.GetTimestamp(1);
            for (var i = 2; i < width; i++) row[i] = reader.GetValueOrNull(i);
            yield return row;
        }
    }

    public async Task ExportAsync(LabelSource labels, IReadOnlyList<PinnedFeature> features, DateTimeOffset? asOf, ValueFormat format,
        Stream output, CancellationToken ct)
    {
        if (format == ValueFormat.Csv)
        {
            await CsvRows.WriteAsync(["entity_id", "ts", .. features.Select(f => f.FeatureName)], BuildAsync(labels, features, asOf, ct), output, ct);
            return;
        }
        var file = staging.NewFile("training", ValueFormat.Parquet);
        try
        {
            await using (var session = await PrepareAsync(labels, features, asOf, ct))
                session.Connection.Execute($"COPY ({session.FinalSelect}) TO {DuckDbSession.Literal(file)} (FORMAT parquet)");
            await using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await fs.CopyToAsync(output, 1 << 16, ct);
        }
        finally { File.Delete(file); }
    }

    private Task<Session> PrepareAsync(LabelSource labels, IReadOnlyList<PinnedFeature> features, DateTimeOffset? asOf, CancellationToken ct) =>
        PrepareAsync(db, (session, token) => LoadLabelsAsync(session.Connection, session, labels, token), features, asOf, ct);

    /// <summary>
    /// Rents a connection, lets <paramref name="loadLabels"/> create the TEMP table <see cref="Session.Labels"/>
    /// (row_no BIGINT, entity_id VARCHAR, ts TIMESTAMP) with row_no 0, 1, 2, … in the table's own order (appended or
    /// created in that order; DuckDB keeps insertion order), then joins every feature to it. The session's
    /// <see cref="Session.FinalSelect"/> gives entity_id, ts and one column per feature (named after it), in row_no order.
    /// Snapshots build their labels in SQL and use the same join.
    /// </summary>
    internal static async Task<Session> PrepareAsync(DuckDbDatabase db, Func<Session, CancellationToken, Task> loadLabels,
        IReadOnlyList<PinnedFeature> features, DateTimeOffset? asOf, CancellationToken ct)
    {
        var c = db.Rent();
        var session = new Session(c, "labels_" + Guid.NewGuid().ToString("N"));
        try
        {
            await loadLabels(session, ct);
            using var interrupt = ct.Register(c.Interrupt);
            var existing = ExistingTables(c, features);
            // One value column per group: its features share a data type. Feature i's column is v{i} of group groupOf[i].
            var groups = Groups(features);
            var groupOf = new int[features.Count];
            for (var g = 0; g < groups.Count; g++)
            {
                foreach (var i in groups[g]) groupOf[i] = g;
                var part = $"{session.Labels}_p{g}";
                session.Temp.Add(part);
                var (sql, args) = GroupSql(session.Labels, part, [.. groups[g].Select(i => (i, features[i]))], existing, asOf);
                c.Execute(sql, [.. args]);
            }
            var columns = string.Join(", ", features.Select((f, i) => $"p{groupOf[i]}.{ValueSql.Q("v" + i)} AS {ValueSql.Q(f.FeatureName)}"));
            // The labels and every group's table hold one row per label in row_no order, so the i-th rows belong together:
            // a positional join needs no hash table per group and no sort of the wide result, which a join on row_no with
            // ORDER BY did (ADR 0049).
            var joins = string.Concat(Enumerable.Range(0, groups.Count)
                .Select(g => $" POSITIONAL JOIN {ValueSql.Temp($"{session.Labels}_p{g}")} p{g}"));
            session.FinalSelect = $"SELECT l.entity_id, l.ts{(columns.Length > 0 ? ", " + columns : "")} FROM {ValueSql.Temp(session.Labels)} l{joins}";
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>The features' positions in groups of at most <see cref="GroupSize"/>, each of one data type, in request order.</summary>
    private static List<List<int>> Groups(IReadOnlyList<PinnedFeature> features) =>
        [.. Enumerable.Range(0, features.Count)
            .GroupBy(i => features[i].Table.DataType)
            .SelectMany(byType => byType.Chunk(GroupSize).Select(chunk => chunk.ToList()))
            .OrderBy(chunk => chunk[0])];

    /// <summary>
    /// One group's values for every label, as a TEMP table (row_no, v{i} per feature i) in row_no order. The group's
    /// stored rows are one relation tagged with the feature's position k in the group, reduced to the rows a read returns
    /// (the newest ingest of each entity, event time and feature: what NewestIngest keeps per feature). Each label is
    /// repeated once per k, and ONE ASOF LEFT JOIN on (entity_id, k, ts ≥ event_ts) finds, per label and feature, the row
    /// with the latest event time at or before ts: exactly what a per-feature ASOF join finds. The GROUP BY on the label
    /// turns k back into columns.
    /// </summary>
    private static (string Sql, List<object?> Args) GroupSql(string labels, string part, List<(int Index, PinnedFeature Feature)> group,
        HashSet<string> existing, DateTimeOffset? asOf)
    {
        var args = new List<object?>();
        var type = ValueSql.ColumnType(group[0].Feature.Table.DataType);
        var branches = new List<string>();
        var select = new StringBuilder("l.row_no");
        for (var k = 0; k < group.Count; k++)
        {
            var (index, f) = group[k];
            var column = ValueSql.Q("v" + index);
            var kText = k.ToString(CultureInfo.InvariantCulture);
            if (existing.Contains(f.Table.QualifiedName))
            {
                branches.Add($"SELECT {kText} AS k, entity_id, event_ts, value, ingested_at FROM {ValueSql.Target(f.Table)} WHERE contract_major = ?" +
                             (asOf is null ? "" : " AND ingested_at <= ?"));
                args.Add(f.ContractMajor);
                if (asOf is { } a) args.Add(a);
            }
            var value = f.MaxStalenessMicros is { } limit
                ? $"CASE WHEN epoch_us(l.ts) - epoch_us(r.event_ts) <= {limit.ToString(CultureInfo.InvariantCulture)} THEN r.value END"
                : "r.value";
            select.Append(CultureInfo.InvariantCulture, $", any_value({value}) FILTER (WHERE l.k = {kText}) AS {column}");
        }
        var labelTable = ValueSql.Temp(labels);
        if (branches.Count == 0)
        {
            // No feature of the group has values yet: every label gets NULLs, without a join.
            var nulls = string.Concat(group.Select(m => $", NULL::{type} AS {ValueSql.Q("v" + m.Index)}"));
            return ($"CREATE TEMP TABLE {ValueSql.Q(part)} AS SELECT l.row_no{nulls} FROM {labelTable} l ORDER BY l.row_no", args);
        }
        return ($"""
            CREATE TEMP TABLE {ValueSql.Q(part)} AS
            WITH r AS (
                SELECT k, entity_id, event_ts, value FROM ({string.Join(" UNION ALL ", branches)})
                WHERE entity_id IN (SELECT entity_id FROM {labelTable})
                QUALIFY row_number() OVER (PARTITION BY k, entity_id, event_ts ORDER BY ingested_at DESC) = 1
            ),
            l AS (SELECT l.row_no, l.entity_id, l.ts, CAST(f.range AS INTEGER) AS k FROM {labelTable} l CROSS JOIN range({group.Count.ToString(CultureInfo.InvariantCulture)}) f)
            SELECT {select} FROM l ASOF LEFT JOIN r ON l.entity_id = r.entity_id AND l.k = r.k AND l.ts >= r.event_ts
            GROUP BY l.row_no
            ORDER BY l.row_no
            """, args);
    }

    /// <summary>Which value tables exist: a feature without values has none yet.</summary>
    internal static HashSet<string> ExistingTables(DuckDbSession c, IReadOnlyList<PinnedFeature> features)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        using var r = c.Query("SELECT schema_name || '.' || table_name FROM duckdb_tables()");
        while (r.Read()) found.Add(r.GetString(0));
        return found;
    }

    /// <summary>The labels table a list of labels is appended to.</summary>
    internal static readonly AppendColumn[] LabelColumns = [new("row_no", "BIGINT"), new("entity_id", "VARCHAR"), new("ts", "TIMESTAMP")];

    internal static string LabelTable(string name) => $"CREATE TEMP TABLE {ValueSql.Q(name)} (row_no BIGINT, entity_id VARCHAR, ts TIMESTAMP)";

    private async Task LoadLabelsAsync(DuckDbSession c, Session session, LabelSource labels, CancellationToken ct)
    {
        var table = ValueSql.Q(session.Labels);
        switch (labels)
        {
            case LabelSource.List list:
                c.Execute(LabelTable(session.Labels));
                using (var appender = CheckedAppender.Open(c, "temp", "main", session.Labels, LabelColumns))
                {
                    long n = 0;
                    foreach (var (entity, ts) in list.Rows) appender.BigInt(n++).Varchar(entity).Timestamp(ts.UtcDateTime).EndRow();
                    appender.Close();
                }
                break;
            case LabelSource.Upload upload:
                var file = staging.NewFile("labels", upload.Format);
                session.File = file;
                await Uploads.SpoolAsync(upload.Body, file, upload.Format, null, ct);
                var what = Uploads.What(upload.Format);
                var source = Uploads.Source(file, upload.Format);
                Uploads.Read(file, upload.Format, () =>
                {
                    var names = new List<string>();
                    using (var r = c.Query($"DESCRIBE SELECT * FROM {source}"))
                        while (r.Read()) names.Add(r.GetString(0));
                    if (!names.Contains("entity_id") || !names.Contains("ts"))
                        throw InvalidInputException.For("body", $"The {what} file must have the columns entity_id and ts (found: {string.Join(", ", names)}).");
                    c.Execute($"""
                        CREATE TEMP TABLE {table} AS
                        SELECT row_number() OVER () - 1 AS row_no, CAST(entity_id AS VARCHAR) AS entity_id,
                               TRY_CAST(TRY_CAST(ts AS TIMESTAMPTZ) AS TIMESTAMP) AS ts, CAST(ts AS VARCHAR) AS ts_raw
                        FROM {source}
                        """);
                });
                var errors = new Dictionary<string, string[]>();
                using (var r = c.Query($"SELECT row_no, entity_id IS NULL OR entity_id = '', ts_raw FROM {table} WHERE entity_id IS NULL OR entity_id = '' OR ts IS NULL OR ts NOT {ValueSql.RepresentableInstant} ORDER BY row_no LIMIT 20"))
                {
                    while (r.Read())
                    {
                        var row = r.GetInt64(0);
                        if (r.GetBoolean(1)) errors[$"rows[{row}].entity_id"] = ["entity_id is required."];
                        else errors[$"rows[{row}].ts"] = [$"ts '{(r.IsNull(2) ? "" : r.GetString(2))}' is not an ISO 8601 instant between the years 1 and 9999."];
                    }
                }
                if (errors.Count > 0) throw new InvalidInputException(errors);
                break;
        }
    }

    /// <summary>A rented connection with the TEMP tables of one join; disposing drops them and returns the connection.</summary>
    internal sealed class Session(DuckDbSession connection, string labels) : IAsyncDisposable
    {
        public DuckDbSession Connection { get; } = connection;
        public string Labels { get; } = labels;
        public List<string> Temp { get; } = [];
        public string FinalSelect { get; set; } = "";
        public string? File { get; set; }

        public ValueTask DisposeAsync()
        {
            try
            {
                foreach (var t in Temp.Append(Labels)) Connection.Execute($"DROP TABLE IF EXISTS {ValueSql.Temp(t)}");
            }
            catch (DuckDBException) { /* dies with the connection */ }
            finally
            {
                Connection.Dispose();
                if (File is not null) System.IO.File.Delete(File);
            }
            return ValueTask.CompletedTask;
        }
    }
}
