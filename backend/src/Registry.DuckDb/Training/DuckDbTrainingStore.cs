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
/// Point-in-time joins: the labels go to a TEMP table; the features are joined in groups of one data type, each group's
/// result a TEMP table of one column per feature in label order, and the answer is the labels positionally joined with
/// them (ADR 0049). A group is joined in memory when its rows fit a budget (ADR 0057): its rows are read once, bucketed by
/// (feature, entity) in time order and walked once per entity's labels in time order. Larger groups, or more labels than
/// the merge takes, are one ASOF LEFT JOIN on (entity_id, feature, ts ≥ event_ts) of the labels (one copy per feature)
/// against the group's rows a read would return, turned back into columns by a GROUP BY on the label (ADR 0043). Both
/// answer exactly what one ASOF join per feature answers.
/// </summary>
public sealed class DuckDbTrainingStore(DuckDbDatabase db, StagingArea staging) : ITrainingStore
{
    /// <summary>
    /// Features per ASOF join. Each ASOF join (and each per-feature window) costs DuckDB a partitioned sort whose fixed
    /// cost dwarfs 17,000 labels against 10,000 rows, so one join per feature spent most of a wide training set there;
    /// one join per group pays it once for 25. Larger groups measured slower (the labels are copied once per feature).
    /// The in-memory merge uses the same bound, so one group's match table stays small.
    /// </summary>
    private const int GroupSize = 25;

    /// <summary>Stored rows (DuckDB's estimate, before any filter) a merged group may hold: about 40 bytes each in memory.</summary>
    internal const long MergeRowBudget = 2_000_000;

    /// <summary>Labels the merge takes (24 bytes each in memory); more go to the ASOF join, which spills.</summary>
    private const int MaxMergeLabels = 2_000_000;

    /// <summary>Labels × features of one merged group: its match table is 4 bytes a cell.</summary>
    private const long MaxMergeCells = 8_000_000;

    private readonly long _mergeRowBudget = MergeRowBudget;

    /// <summary>For tests: a row budget of 0 sends every group to the ASOF join.</summary>
    internal DuckDbTrainingStore(DuckDbDatabase db, StagingArea staging, long mergeRowBudget) : this(db, staging) =>
        _mergeRowBudget = mergeRowBudget;

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
                session.Connection.Execute($"COPY ({session.FinalSelect}) TO {DuckDbSession.Literal(file)} ({ParquetOptions(features.Count + 2)})");
            await using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await fs.CopyToAsync(output, 1 << 16, ct);
        }
        finally { File.Delete(file); }
    }

    /// <summary>
    /// COPY options for a Parquet file of <paramref name="columns"/> columns. DuckDB's writer holds a whole row group
    /// (122,880 rows by default) in memory; for a wide training set that is every row of 1,002 columns. Row groups of
    /// about 2 M cells (2,048 rows at 1,000 columns) took 1.5 s instead of 2.6 s for the Feast #3003 shape's write, and
    /// 160 MiB less at the process's peak (ADR 0057). Narrow files keep the default.
    /// </summary>
    internal static string ParquetOptions(int columns) =>
        $"FORMAT parquet, ROW_GROUP_SIZE {Math.Clamp(2_000_000 / Math.Max(1, columns), 2_048, 122_880).ToString(CultureInfo.InvariantCulture)}";

    private Task<Session> PrepareAsync(LabelSource labels, IReadOnlyList<PinnedFeature> features, DateTimeOffset? asOf, CancellationToken ct) =>
        PrepareAsync(db, (session, token) => LoadLabelsAsync(session.Connection, session, labels, token), features, asOf, ct, _mergeRowBudget);

    /// <summary>
    /// Rents a connection, lets <paramref name="loadLabels"/> create the TEMP table <see cref="Session.Labels"/>
    /// (row_no BIGINT, entity_id VARCHAR, ts TIMESTAMP) with row_no 0, 1, 2, … in the table's own order (appended or
    /// created in that order; DuckDB keeps insertion order), then joins every feature to it. The session's
    /// <see cref="Session.FinalSelect"/> gives entity_id, ts and one column per feature (named after it), in row_no order.
    /// Snapshots build their labels in SQL and use the same join.
    /// </summary>
    internal static async Task<Session> PrepareAsync(DuckDbDatabase db, Func<Session, CancellationToken, Task> loadLabels,
        IReadOnlyList<PinnedFeature> features, DateTimeOffset? asOf, CancellationToken ct, long mergeRowBudget = MergeRowBudget)
    {
        var c = db.Rent();
        var session = new Session(c, "labels_" + Guid.NewGuid().ToString("N"));
        try
        {
            await loadLabels(session, ct);
            using var interrupt = ct.Register(c.Interrupt);
            var sizes = TableSizes(c);
            var labelCount = c.Scalar<long>($"SELECT count(*) FROM {ValueSql.Temp(session.Labels)}");
            var groups = Groups(features, sizes, labelCount <= MaxMergeLabels ? labelCount : -1, mergeRowBudget);
            var columnOf = new string[features.Count];
            Merge? merge = null;
            for (var g = 0; g < groups.Count; g++)
            {
                ct.ThrowIfCancellationRequested();
                var (members, merged) = groups[g];
                var part = $"{session.Labels}_p{g}";
                session.Temp.Add(part);
                var group = members.Select(i => (i, features[i])).ToList();
                if (merged && group.Any(m => sizes.ContainsKey(m.Item2.Table.QualifiedName)))
                {
                    merge ??= Merge.Start(session, (int)labelCount, ct);
                    merge.Join(part, group, sizes, asOf);
                    // One ARRAY column per merged group (GroupColumnsWriter), 1-based.
                    for (var k = 0; k < members.Count; k++) columnOf[members[k]] = $"p{g}.a[{(k + 1).ToString(CultureInfo.InvariantCulture)}]";
                }
                else
                {
                    var (sql, args) = GroupSql(session.Labels, part, group, sizes, asOf);
                    c.Execute(sql, [.. args.Cast<object?>()]);
                    foreach (var i in members) columnOf[i] = $"p{g}.{ValueSql.Q("v" + i)}";
                }
            }
            var columns = string.Join(", ", features.Select((f, i) => $"{columnOf[i]} AS {ValueSql.Q(f.FeatureName)}"));
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

    /// <summary>
    /// The features' positions in groups of one data type, in request order of their first member. With
    /// <paramref name="labelCount"/> ≥ 0 (the merge takes that many labels), features whose table fits the row budget
    /// are merged in groups of at most <see cref="GroupSize"/> features, <paramref name="rowBudget"/> stored rows and
    /// <see cref="MaxMergeCells"/> cells; the others go to the ASOF join in groups of <see cref="GroupSize"/>.
    /// </summary>
    private static List<(List<int> Members, bool Merged)> Groups(IReadOnlyList<PinnedFeature> features, Dictionary<string, long> sizes,
        long labelCount, long rowBudget)
    {
        var groups = new List<(List<int>, bool)>();
        foreach (var byType in Enumerable.Range(0, features.Count).GroupBy(i => features[i].Table.DataType))
        {
            var joined = new List<int>();
            var merged = new List<int>();
            long rows = 0;
            foreach (var i in byType)
            {
                var size = sizes.GetValueOrDefault(features[i].Table.QualifiedName);
                if (labelCount < 0 || size > rowBudget)
                {
                    joined.Add(i);
                    continue;
                }
                if (merged.Count == GroupSize || rows + size > rowBudget || (merged.Count + 1) * labelCount > MaxMergeCells)
                {
                    groups.Add((merged, true));
                    merged = [];
                    rows = 0;
                }
                merged.Add(i);
                rows += size;
            }
            if (merged.Count > 0) groups.Add((merged, true));
            groups.AddRange(joined.Chunk(GroupSize).Select(chunk => (chunk.ToList(), false)));
        }
        return [.. groups.OrderBy(g => g.Item1[0])];
    }

    /// <summary>
    /// The in-memory join of one session (ADR 0057): the labels numbered by entity and indexed once, then per group its
    /// rows read once through DuckDB's C API, matched per feature and appended to the group's table a chunk at a time.
    /// </summary>
    private sealed class Merge(Session session, LabelIndex labels, string entities, CancellationToken ct)
    {
        private readonly GroupRows _rows = new();
        private readonly int[][] _matches = new int[GroupSize][];

        public static Merge Start(Session session, int labelCount, CancellationToken ct)
        {
            var c = session.Connection;
            var entities = session.Labels + "_e";
            session.Temp.Add(entities);
            var labels = ValueSql.Temp(session.Labels);
            c.Execute($"""
                CREATE TEMP TABLE {ValueSql.Q(entities)} AS
                SELECT entity_id, CAST(row_number() OVER () - 1 AS INTEGER) AS code FROM (SELECT DISTINCT entity_id FROM {labels})
                """);
            var count = c.Scalar<long>($"SELECT count(*) FROM {ValueSql.Temp(entities)}");
            var index = LabelIndex.Read(c,
                $"SELECT e.code, epoch_us(l.ts) FROM {labels} l JOIN {ValueSql.Temp(entities)} e USING (entity_id) ORDER BY l.row_no",
                labelCount, (int)count, ct);
            return new Merge(session, index, entities, ct);
        }

        public void Join(string part, List<(int Index, PinnedFeature Feature)> group, Dictionary<string, long> sizes, DateTimeOffset? asOf)
        {
            var c = session.Connection;
            var type = group[0].Feature.Table.DataType;
            var (stored, args) = StoredRows(group, sizes, asOf);
            var entityCount = labels.Entities.ToString(CultureInfo.InvariantCulture);
            using (var r = NativeResult.Run(c, $"""
                SELECT CAST(v.k AS BIGINT) * {entityCount} + e.code, epoch_us(v.event_ts), epoch_us(v.ingested_at), v.value
                FROM ({stored}) v JOIN {ValueSql.Temp(entities)} e USING (entity_id)
                """, ct, [.. args]))
                _rows.Read(r, type, group.Count, labels.Entities);
            for (var k = 0; k < group.Count; k++)
            {
                var match = _matches[k] ??= new int[labels.Count];
                _rows.Match(labels, k, group[k].Feature.MaxStalenessMicros, match);
            }
            c.Execute($"CREATE TEMP TABLE {ValueSql.Q(part)} ({GroupColumnsWriter.Definition(type, group.Count)})");
            using var writer = new GroupColumnsWriter(c, part, type, group.Count);
            for (var from = 0; from < labels.Count; from += GroupColumnsWriter.Capacity)
                writer.Append(_rows, _matches, from, Math.Min(GroupColumnsWriter.Capacity, labels.Count - from));
            writer.Close();
        }
    }

    /// <summary>
    /// One group's values for every label, as a TEMP table (row_no, v{i} per feature i) in row_no order. The group's
    /// stored rows are one relation tagged with the feature's position k in the group, reduced to the rows a read returns
    /// (the newest ingest of each entity, event time and feature: what NewestIngest keeps per feature). Each label is
    /// repeated once per k, and ONE ASOF LEFT JOIN on (entity_id, k, ts ≥ event_ts) finds, per label and feature, the row
    /// with the latest event time at or before ts: exactly what a per-feature ASOF join finds. The GROUP BY on the label
    /// turns k back into columns.
    /// </summary>
    private static (string Sql, List<long> Args) GroupSql(string labels, string part, List<(int Index, PinnedFeature Feature)> group,
        Dictionary<string, long> existing, DateTimeOffset? asOf)
    {
        var type = ValueSql.ColumnType(group[0].Feature.Table.DataType);
        var (stored, args) = StoredRows(group, existing, asOf);
        var select = new StringBuilder("l.row_no");
        for (var k = 0; k < group.Count; k++)
        {
            var (index, f) = group[k];
            var column = ValueSql.Q("v" + index);
            var kText = k.ToString(CultureInfo.InvariantCulture);
            var value = f.MaxStalenessMicros is { } limit
                ? $"CASE WHEN epoch_us(l.ts) - epoch_us(r.event_ts) <= {limit.ToString(CultureInfo.InvariantCulture)} THEN r.value END"
                : "r.value";
            select.Append(CultureInfo.InvariantCulture, $", any_value({value}) FILTER (WHERE l.k = {kText}) AS {column}");
        }
        var labelTable = ValueSql.Temp(labels);
        if (stored is null)
        {
            // No feature of the group has values yet: every label gets NULLs, without a join.
            var nulls = string.Concat(group.Select(m => $", NULL::{type} AS {ValueSql.Q("v" + m.Index)}"));
            return ($"CREATE TEMP TABLE {ValueSql.Q(part)} AS SELECT l.row_no{nulls} FROM {labelTable} l ORDER BY l.row_no", args);
        }
        return ($"""
            CREATE TEMP TABLE {ValueSql.Q(part)} AS
            WITH r AS (
                SELECT k, entity_id, event_ts, value FROM ({stored})
                WHERE entity_id IN (SELECT entity_id FROM {labelTable})
                QUALIFY row_number() OVER (PARTITION BY k, entity_id, event_ts ORDER BY ingested_at DESC) = 1
            ),
            l AS (SELECT l.row_no, l.entity_id, l.ts, CAST(f.range AS INTEGER) AS k FROM {labelTable} l CROSS JOIN range({group.Count.ToString(CultureInfo.InvariantCulture)}) f)
            SELECT {select} FROM l ASOF LEFT JOIN r ON l.entity_id = r.entity_id AND l.k = r.k AND l.ts >= r.event_ts
            GROUP BY l.row_no
            ORDER BY l.row_no
            """, args);
    }

    /// <summary>
    /// The group's stored rows in their contracts (and up to <paramref name="asOf"/>) as one relation (k, entity_id,
    /// event_ts, value, ingested_at), k the feature's position in the group; null when no member has a table yet. Both
    /// plans read this; the parameters are BIGINTs, bound by either.
    /// </summary>
    private static (string? Sql, List<long> Args) StoredRows(List<(int Index, PinnedFeature Feature)> group, Dictionary<string, long> existing,
        DateTimeOffset? asOf)
    {
        var args = new List<long>();
        var branches = new List<string>();
        for (var k = 0; k < group.Count; k++)
        {
            var f = group[k].Feature;
            if (!existing.ContainsKey(f.Table.QualifiedName)) continue;
            branches.Add($"SELECT {k.ToString(CultureInfo.InvariantCulture)} AS k, entity_id, event_ts, value, ingested_at FROM {ValueSql.Target(f.Table)} " +
                         $"WHERE contract_major = CAST(? AS INTEGER){(asOf is null ? "" : " AND ingested_at <= make_timestamp(?)")}");
            args.Add(f.ContractMajor);
            // The instant as DuckDB.NET binds a DateTimeOffset elsewhere: its UTC time, to the microsecond.
            if (asOf is { } a) args.Add((a.UtcTicks - DateTime.UnixEpoch.Ticks) / 10);
        }
        return (branches.Count == 0 ? null : string.Join(" UNION ALL ", branches), args);
    }

    /// <summary>Which value tables exist (a feature without values has none yet), with DuckDB's estimate of their rows.</summary>
    internal static Dictionary<string, long> TableSizes(DuckDbSession c)
    {
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        using var r = c.Query("SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables()");
        while (r.Read()) found[r.GetString(0)] = r.IsDBNull(1) ? 0 : r.GetInt64(1);
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
