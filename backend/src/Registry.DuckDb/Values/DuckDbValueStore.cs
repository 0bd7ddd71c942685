using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// Feature values in one DuckDB file. Writes to one feature are serialized (they update its latest-value table);
/// writes to different features run in parallel. Staging happens outside any lock, on the request's own connection.
/// </summary>
public sealed class DuckDbValueStore(DuckDbDatabase db, ValueStoreOptions options, StagingArea staging, TimeProvider clock) : IValueStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastIngest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _ready = new(StringComparer.Ordinal);
    private readonly LatestCache _latest = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _writeLocks = new(StringComparer.Ordinal);
    private static readonly SemaphoreSlim Ddl = new(1, 1);

    public async Task<IStagedBatch> StageAsync(ValueFormat format, Stream body, DataType dataType, CancellationToken ct)
    {
        var c = db.Rent();
        var stage = "stage_" + Guid.NewGuid().ToString("N");
        string? file = null;
        StagedBatch? batch = null;
        try
        {
            if (format == ValueFormat.Json)
            {
                batch = new StagedBatch(c, stage, null);
                c.Execute(ValueSql.TypedStage(stage, dataType));
                var appender = c.CreateAppender("temp", "main", stage);
                var reader = new JsonBatchReader(appender, dataType);
                using (appender)
                {
                    await reader.ReadAsync(body, ct);
                    appender.Close();
                }
                batch.RowCount = reader.Rows;
                batch.ErrorCount = reader.ErrorCount;
                batch.ErrorList.AddRange(reader.Errors);
                batch.DeclaredVersion = reader.FeatureVersion;
            }
            else
            {
                file = staging.NewFile("upload", format);
                var csv = format == ValueFormat.Csv;
                // A CSV stage is made by one CREATE TABLE AS in file order, so its rowid numbers the rows.
                batch = new StagedBatch(c, stage, file) { RowNo = csv ? ValueSql.RowId : "row_no" };
                await Uploads.SpoolAsync(body, file, format, ct);
                var what = Uploads.What(format);
                string stagingSql;
                if (csv)
                {
                    // Sniffed once; the staging then reads with the dialect found instead of sniffing the file again.
                    var layout = Uploads.Read(file, format, () => Uploads.SniffCsv(c, file));
                    CheckColumns(layout.Columns, what);
                    stagingSql = ValueSql.Stage(stage, layout.Source(file), dataType, SourceType.Text, SourceType.Text, rowNumber: null);
                }
                else
                {
                    var columns = Uploads.Read(file, format, () => CheckColumns(c, Uploads.Source(file, format), what));
                    SourceType Kind(string column) => columns[column] == "TIMESTAMP" ? SourceType.Timestamp : SourceType.Other;
                    // Parquet numbers its rows itself, which is cheaper than a window over the scan; CheckColumns has
                    // already refused any column besides the three, so the extra one cannot clash with the file's own.
                    stagingSql = ValueSql.Stage(stage, $"read_parquet({DuckDbConnection.Literal(file)}, file_row_number = true)", dataType,
                        Kind("event_ts"), Kind("value"), rowNumber: "file_row_number");
                }
                using (ct.Register(c.Interrupt))
                    Uploads.Read(file, format, () => c.Execute(stagingSql));
                ReadStageErrors(c, batch, dataType, csvLines: csv);
            }
            if (batch.ErrorCount == 0) CheckDuplicates(c, batch);
            return batch;
        }
        catch
        {
            if (batch is not null) await batch.DisposeAsync();
            else
            {
                c.Dispose();
                if (file is not null) File.Delete(file);
            }
            throw;
        }
    }

    public async Task<IStagedBatch> StageQueryAsync(string sql, IReadOnlyList<UpstreamInput> upstream, DataType dataType,
        DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var c = db.Rent();
        var batch = new StagedBatch(c, "stage_" + Guid.NewGuid().ToString("N"), null);
        try
        {
            var (source, args) = QuerySource(c, sql, upstream, from, to, inlineMajor: false);
            SqlLimits.Run(c, options, ct, () =>
            {
                CheckColumns(c, source, "The SQL's result", args);
                using var statement = c.Prepare(ValueSql.Stage(batch.Stage, source, dataType));
                statement.BindAll([.. args]).ExecuteNonQuery();
            });
            ReadStageErrors(c, batch, dataType, csvLines: false);
            if (batch.ErrorCount == 0) CheckDuplicates(c, batch);
            return batch;
        }
        catch
        {
            await batch.DisposeAsync();
            throw;
        }
    }

    public Task<IReadOnlyList<RuleMeasure>> MeasureAsync(IStagedBatch batch, IReadOnlyList<RuleSpec> rules, CancellationToken ct)
    {
        var b = (StagedBatch)batch;
        var relation = $"SELECT {b.RowNo} AS row_no, entity_id, event_ts, value FROM {ValueSql.Temp(b.Stage)}";
        return Task.FromResult<IReadOnlyList<RuleMeasure>>(rules.Select(r => RuleSql.Measure(b.Connection, relation, [], r, hasRowNo: true)).ToList());
    }

    public Task<IReadOnlyList<RuleMeasure>> MeasureAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to,
        IReadOnlyList<RuleSpec> rules, CancellationToken ct)
    {
        using var c = db.Rent();
        var (relation, args) = CurrentOrEmpty(c, table, contractMajor, from, to, withMeta: false);
        return Task.FromResult<IReadOnlyList<RuleMeasure>>(rules.Select(r => RuleSql.Measure(c, relation, args, r, hasRowNo: false)).ToList());
    }

    public async Task<IngestCounts> CommitAsync(IStagedBatch batch, ValueTable table, ValueStamp stamp, CancellationToken ct)
    {
        var b = (StagedBatch)batch;
        var c = b.Connection;
        if (b.RowCount == 0) return new IngestCounts(0, 0, clock.Now());
        Ensure(c, table);
        var gate = _writeLocks.GetOrAdd(table.QualifiedName, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        var changed = "changed_" + Guid.NewGuid().ToString("N");
        try
        {
            DateTimeOffset min, max;
            using (var r = c.Query($"SELECT min(event_ts), max(event_ts) FROM {ValueSql.Temp(b.Stage)}"))
            {
                r.Read();
                (min, max) = (r.GetTimestamp(0), r.GetTimestamp(1));
            }
            // Taken under the lock and strictly increasing per feature: a later commit never gets an earlier instant,
            // so a read as_of an instant cannot change afterwards because of a slower writer.
            var now = clock.Now();
            var ingestedAt = _lastIngest.TryGetValue(table.QualifiedName, out var last) && now <= last ? last.AddTicks(10) : now;
            c.Begin();
            bool overlaps;
            using (var s = c.Prepare(ValueSql.Overlaps(table)))
            using (var r = s.BindAll(stamp.ContractMajor, min, max).ExecuteReader())
            {
                r.Read();
                overlaps = r.GetBoolean(0);
            }
            // A first load, or a new period: nothing stored can match, so every staged row is a changed row and the
            // anti-join (a window over the stored range and a copy of the whole batch) is skipped.
            var rows = b.Stage;
            if (overlaps)
            {
                using (var s = c.Prepare(ValueSql.Changed(changed, b.Stage, table))) s.BindAll(stamp.ContractMajor, min, max).ExecuteNonQuery();
                rows = changed;
            }
            long written;
            using (var s = c.Prepare(ValueSql.Insert(rows, table)))
                written = s.BindAll(stamp.FeatureVersion, stamp.ContractMajor, ingestedAt, stamp.BatchId.ToString()).ExecuteNonQuery();
            using (var s = c.Prepare(ValueSql.UpsertLatest(rows, table)))
                s.BindAll(stamp.ContractMajor, stamp.FeatureVersion, ingestedAt).ExecuteNonQuery();
            // DuckDB writes the WAL on COMMIT: once this returns, the batch survives a kill of the process.
            c.Commit();
            _latest.Changed(table.FeatureName);
            _lastIngest[table.QualifiedName] = ingestedAt;
            return new IngestCounts(written, b.RowCount - written, ingestedAt);
        }
        finally
        {
            c.Rollback();
            gate.Release();
            try { c.Execute($"DROP TABLE IF EXISTS {ValueSql.Temp(changed)}"); } catch (DuckDbException) { /* dies with the connection */ }
        }
    }

    public async IAsyncEnumerable<ValueRow> ReadAsync(ValueTable table, ValueQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        using var c = db.Rent();
        if (!Exists(c, table)) yield break;
        var (sql, args) = ValueSql.Current(table, query.ContractMajor, query.From, query.To, query.AsOf, query.EntityIds);
        args.Add(query.Limit);
        using var statement = c.Prepare($"{sql} ORDER BY entity_id, event_ts LIMIT ?");
        using var reader = statement.BindAll([.. args]).ExecuteReader();
        while (reader.Read())
        {
            ct.ThrowIfCancellationRequested();
            yield return new ValueRow(reader.GetString(0), reader.GetTimestamp(1), reader.GetValue(2), reader.GetString(3), reader.GetTimestamp(4));
        }
        await Task.CompletedTask;
    }

    public async Task ExportAsync(ValueTable table, ValueQuery query, ValueFormat format, Stream output, CancellationToken ct)
    {
        if (format == ValueFormat.Csv)
        {
            await CsvExport.WriteAsync(ReadAsync(table, query, ct), output, ct);
            return;
        }
        var file = staging.NewFile("export", ValueFormat.Parquet);
        try
        {
            using (var c = db.Rent())
            {
                var export = "export_" + Guid.NewGuid().ToString("N");
                string select;
                var args = new List<object?>();
                if (Exists(c, table))
                {
                    (select, args) = ValueSql.Current(table, query.ContractMajor, query.From, query.To, query.AsOf, query.EntityIds);
                    args.Add(query.Limit);
                    select += " ORDER BY entity_id, event_ts LIMIT ?";
                }
                else select = $"SELECT ''::VARCHAR AS entity_id, NULL::TIMESTAMP AS event_ts, NULL::{ValueSql.ColumnType(table.DataType)} AS value, ''::VARCHAR AS feature_version, NULL::TIMESTAMP AS ingested_at WHERE false";
                try
                {
                    using (var s = c.Prepare($"CREATE TEMP TABLE {ValueSql.Q(export)} AS {select}")) s.BindAll([.. args]).ExecuteNonQuery();
                    c.Execute($"COPY {ValueSql.Temp(export)} TO {DuckDbConnection.Literal(file)} (FORMAT parquet)");
                }
                finally { c.Execute($"DROP TABLE IF EXISTS {ValueSql.Temp(export)}"); }
            }
            await using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await fs.CopyToAsync(output, 1 << 16, ct);
        }
        finally { File.Delete(file); }
    }

    public Task<IReadOnlyList<ValueRow>> LatestAsync(ValueTable table, int contractMajor, IReadOnlyList<string> entityIds, CancellationToken ct)
    {
        using var c = db.Rent();
        var rows = new List<ValueRow>(entityIds.Count);
        if (!Exists(c, table)) return Task.FromResult<IReadOnlyList<ValueRow>>(rows);
        // One entity (the online path) is a primary-key lookup with a statement prepared once per connection.
        var statement = entityIds.Count == 1
            ? c.Prepared(ValueSql.LatestOne(table)).BindAll(contractMajor, entityIds[0])
            : c.Prepared(ValueSql.LatestMany(table)).BindAll(contractMajor, ValueSql.JsonList(entityIds));
        using var r = statement.ExecuteReader();
        while (r.Read()) rows.Add(new ValueRow(r.GetString(0), r.GetTimestamp(1), r.GetValue(2), r.GetString(3), r.GetTimestamp(4)));
        return Task.FromResult<IReadOnlyList<ValueRow>>(rows);
    }

    public Task<IReadOnlyList<LatestValue?[]>> LatestVectorsAsync(IReadOnlyList<UpstreamInput> members, IReadOnlyList<string> entityIds,
        CancellationToken ct)
    {
        var vectors = new List<LatestValue?[]>(entityIds.Count);
        var generations = members.Select(m => _latest.Generation(m.FeatureName)).ToArray();
        DuckDbConnection? c = null;
        try
        {
            foreach (var entity in entityIds)
            {
                ct.ThrowIfCancellationRequested();
                var vector = new LatestValue?[members.Count];
                for (var i = 0; i < members.Count; i++)
                {
                    var m = members[i];
                    if (_latest.TryGet(m.FeatureName, m.ContractMajor, entity, generations[i], out var cached)) { vector[i] = cached; continue; }
                    c ??= db.Rent();
                    LatestValue? found = null;
                    if (Exists(c, m.Table))
                    {
                        using var r = c.Prepared(ValueSql.LatestOne(m.Table)).BindAll(m.ContractMajor, entity).ExecuteReader();
                        if (r.Read()) found = new LatestValue(r.GetTimestamp(1), r.GetValue(2));
                    }
                    _latest.Set(m.FeatureName, m.ContractMajor, entity, generations[i], found);
                    vector[i] = found;
                }
                vectors.Add(vector);
            }
        }
        finally { c?.Dispose(); }
        return Task.FromResult<IReadOnlyList<LatestValue?[]>>(vectors);
    }

    public Task<ValueStats> StatsAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        using var c = db.Rent();
        var (relation, args) = CurrentOrEmpty(c, table, contractMajor, from, to, withMeta: false);
        return Task.FromResult(Stats(c, relation, args, table.DataType));
    }

    public Task<QualityFacts> QualityAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to,
        int minHistory, double zScoreThreshold, CancellationToken ct)
    {
        using var c = db.Rent();
        var (relation, args) = CurrentOrEmpty(c, table, contractMajor, from, to, withMeta: false);
        var stats = Stats(c, relation, args, table.DataType);
        var thin = new List<EntityCount>();
        using (var s = c.Prepare($"WITH r AS ({relation}) SELECT entity_id, count(*) FROM r GROUP BY entity_id HAVING count(*) < ? ORDER BY 2, 1 LIMIT 10"))
        using (var r = s.BindAll([.. args, minHistory]).ExecuteReader())
        {
            while (r.Read()) thin.Add(new EntityCount(r.GetString(0), r.GetInt64(1)));
        }
        long outliers = 0;
        if (zScoreThreshold > 0 && stats.Std is > 0 && stats.Mean is { } mean)
        {
            // Population z-scores over the range, as the outlier rule computes them.
            using var s = c.Prepare($"WITH r AS ({relation}), m AS (SELECT avg(value) AS mu, stddev_pop(value) AS sd FROM r) " +
                "SELECT count(*) FROM r, m WHERE m.sd > 0 AND abs(value - m.mu) / m.sd > ?");
            using var r = s.BindAll([.. args, zScoreThreshold]).ExecuteReader();
            r.Read();
            outliers = r.GetInt64(0);
        }
        return Task.FromResult(new QualityFacts(stats, thin, outliers));
    }

    public Task<SqlReferences> AnalyzeSqlAsync(string sql, CancellationToken ct)
    {
        using var c = db.Rent();
        return Task.FromResult(SqlAnalyzer.Analyze(c, sql));
    }

    public Task CreateViewAsync(string schema, string view, string sql, IReadOnlyList<UpstreamInput> upstream, CancellationToken ct)
    {
        using var c = db.Rent();
        foreach (var u in upstream) Ensure(c, u.Table);
        var (source, _) = QuerySource(c, sql, upstream, null, null, inlineMajor: true);
        Ddl.Wait(ct);
        try
        {
            c.Execute($"CREATE SCHEMA IF NOT EXISTS {ValueSql.Q(schema)}");
            var existing = ObjectType(c, schema, view);
            if (existing is not null and not "VIEW")
                throw new ConflictException("The view's name is taken.",
                    $"{schema}.{view} is a {existing.ToLowerInvariant()} the registry did not create as this feature's view; it is left as it is.");
            // Binding the view runs no query, but a hostile one can still make binding slow: it gets the same limits.
            SqlLimits.Run(c, options, ct, () =>
                c.Execute($"CREATE OR REPLACE VIEW {ValueSql.Q(schema)}.{ValueSql.Q(view)} AS SELECT entity_id, event_ts, value FROM {source}"));
        }
        finally { Ddl.Release(); }
        return Task.CompletedTask;
    }

    /// <summary>TABLE, VIEW, or null when no object of the values database has that name.</summary>
    private static string? ObjectType(DuckDbConnection c, string schema, string name)
    {
        using var r = c.Prepared(ValueSql.ObjectType).BindAll(schema, name).ExecuteReader();
        return r.Read() ? r.GetString(0) : null;
    }

    /// <summary>
    /// The user's SELECT with each upstream feature bound to a CTE of that feature's current values, so the SQL says
    /// FROM stock_daily_close and reads exactly what a values read of stock_daily_close returns.
    /// </summary>
    private (string Source, List<object?> Args) QuerySource(DuckDbConnection c, string sql, IReadOnlyList<UpstreamInput> upstream,
        DateTimeOffset? from, DateTimeOffset? to, bool inlineMajor)
    {
        var args = new List<object?>();
        var ctes = new List<string>();
        foreach (var u in upstream)
        {
            string body;
            if (!Exists(c, u.Table)) body = ValueSql.Empty(u.Table.DataType);
            else if (inlineMajor)
                body = $"SELECT entity_id, event_ts, value FROM {ValueSql.Target(u.Table)} WHERE contract_major = {u.ContractMajor.ToString(CultureInfo.InvariantCulture)} " +
                       $"{ValueSql.NewestIngest}";
            else
            {
                (body, var a) = ValueSql.Current(u.Table, u.ContractMajor, null, null, null, null, withMeta: false);
                args.AddRange(a);
            }
            ctes.Add($"{ValueSql.Q(u.FeatureName)} AS ({body})");
        }
        var where = new List<string>();
        if (from is { } f) { where.Add("CAST(q.event_ts AS TIMESTAMP) >= ?"); args.Add(f); }
        if (to is { } t) { where.Add("CAST(q.event_ts AS TIMESTAMP) < ?"); args.Add(t); }
        var with = ctes.Count > 0 ? "WITH " + string.Join(", ", ctes) + " " : "";
        var filter = where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "";
        // The SQL here is the checked statement as DuckDB printed it back from its parse tree (SqlAnalyzer), on lines of
        // its own so that nothing in it can comment out or close what surrounds it.
        return ($"({with}SELECT q.* FROM (\n{sql}\n) AS q{filter})", args);
    }

    private (string Relation, List<object?> Args) CurrentOrEmpty(DuckDbConnection c, ValueTable table, int major,
        DateTimeOffset? from, DateTimeOffset? to, bool withMeta)
    {
        if (!Exists(c, table)) return (ValueSql.Empty(table.DataType), []);
        return ValueSql.Current(table, major, from, to, null, null, withMeta);
    }

    private static ValueStats Stats(DuckDbConnection c, string relation, List<object?> args, DataType type)
    {
        using var s = c.Prepare(ValueSql.Stats($"({relation}) AS r", type));
        using var r = s.BindAll([.. args]).ExecuteReader();
        r.Read();
        double? D(int i) => r.IsNull(i) ? null : r.GetDouble(i);
        DateTimeOffset? T(int i) => r.IsNull(i) ? null : r.GetTimestamp(i);
        return new ValueStats(r.GetInt64(0), r.GetInt64(1), D(2), D(3), D(4), D(5), D(6), T(7), T(8));
    }

    /// <summary>Checks the source has the three columns (and, unless it is a query's result, no other); returns each column's type.</summary>
    private static Dictionary<string, string> CheckColumns(DuckDbConnection c, string source, string what, List<object?>? args = null)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var describe = $"DESCRIBE SELECT * FROM {source}";
        if (args is null)
        {
            // Unprepared: DuckDB binds a prepared statement again when it runs it, and binding a file reader reads
            // the file (a Parquet footer, a CSV's sample), so preparing would do it twice.
            using var r = c.Query(describe);
            while (r.Read()) types[r.GetString(0)] = r.GetString(1);
        }
        else
        {
            using var s = c.Prepare(describe);
            using var r = s.BindAll([.. args]).ExecuteReader();
            while (r.Read()) types[r.GetString(0)] = r.GetString(1);
        }
        CheckColumns(types.Keys, what, query: args is not null);
        return types;
    }

    /// <summary>
    /// The three columns must be there; an upload may have no other (a query's result may: only the three are read).
    /// <paramref name="names"/> in the source's order, which the message keeps.
    /// </summary>
    private static void CheckColumns(IEnumerable<string> names, string what, bool query = false)
    {
        string[] required = ["entity_id", "event_ts", "value"];
        var missing = required.Where(n => !names.Contains(n)).ToList();
        var extra = names.Where(n => !required.Contains(n)).ToList();
        if (missing.Count == 0 && (extra.Count == 0 || query)) return;
        var message = $"{what} must have the columns entity_id, event_ts and value" +
                      (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "") +
                      (extra.Count > 0 && !query ? $"; unknown: {string.Join(", ", extra)}" : "") + ".";
        if (query) throw new RuleViolationException("The SQL's result has the wrong columns.", message);
        throw InvalidInputException.For("body", message);
    }

    private static void ReadStageErrors(DuckDbConnection c, StagedBatch batch, DataType type, bool csvLines)
    {
        using (var r = c.Query(ValueSql.StageErrorCount(batch.Stage)))
        {
            r.Read();
            batch.ErrorCount = r.GetInt64(0);
            batch.RowCount = r.GetInt64(1);
        }
        if (batch.ErrorCount == 0) return;
        using var e = c.Query(ValueSql.StageErrors(batch.Stage, batch.RowNo));
        while (e.Read())
        {
            var row = e.GetInt64(0);
            var where = csvLines ? $" (CSV line {row + 2})" : "";
            string? Raw(int i) => e.IsNull(i) ? null : e.GetString(i);
            var (field, message) = e.GetString(1) switch
            {
                "entity_id" => ("entity_id", "entity_id is required."),
                "entity_id_length" => ("entity_id", "entity_id is at most 256 characters."),
                "event_ts" => ("event_ts", Raw(2) is { } ts ? $"event_ts '{Clip(ts)}' is not {ValueSql.Expected(DataType.Timestamp)}." : "event_ts is required."),
                "value_underflow" => ("value", $"value '{Clip(Raw(3) ?? "")}' is too small for a double: it would be stored as 0. Send 0, or rescale the feature."),
                _ => ("value", $"value '{Clip(Raw(3) ?? "")}' is not {ValueSql.Expected(type)}."),
            };
            batch.ErrorList.Add(new RowError(row, field, message + where));
        }
    }

    private static void CheckDuplicates(DuckDbConnection c, StagedBatch batch)
    {
        // Counting repeated keys is one hash aggregate; listing them with their rows in order costs twice as much over
        // a million rows, so the list is built only when there may be something to list.
        using (var n = c.Query(ValueSql.DuplicateCount(batch.Stage)))
        {
            n.Read();
            if (n.GetInt64(0) == 0) return;
        }
        using var r = c.Query(ValueSql.Duplicates(batch.Stage, batch.RowNo));
        while (r.Read())
        {
            batch.ErrorCount = r.GetInt64(3);
            batch.ErrorList.Add(new RowError(-1, "rows",
                $"Rows for entity '{Clip(r.GetString(0))}' at {r.GetString(1)} appear more than once in the batch; send one value per (entity_id, event_ts)."));
        }
    }


    private static string Clip(string s) => s.Length <= 64 ? s : s[..64] + "…";

    private bool Exists(DuckDbConnection c, ValueTable t)
    {
        if (_ready.ContainsKey(t.QualifiedName)) return true;
        using var r = c.Prepared(ValueSql.Columns).BindAll(t.Schema, t.Table).ExecuteReader();
        if (!r.Read()) return false;
        r.Dispose();
        Ensure(c, t);
        return true;
    }

    /// <summary>Creates the feature's tables once; an existing table of another shape is a conflict, never overwritten.</summary>
    private void Ensure(DuckDbConnection c, ValueTable t)
    {
        if (_ready.ContainsKey(t.QualifiedName)) return;
        // Definitions registered before ADR 0019 may name any schema; one the engine or the store uses is never created.
        if (DuckDbNames.ReservedSchemas.Contains(t.Schema))
            throw new ConflictException("The feature's DuckDB table is in a reserved schema.",
                $"'{t.FeatureName}' stores its values in {t.QualifiedName}, a schema the engine or the registry uses; an operator must move its values to {DuckDbNames.TableOf(t.FeatureName)}.");
        Ddl.Wait();
        try
        {
            if (ObjectType(c, t.Schema, t.Table) is "VIEW")
                throw new ConflictException("The feature's DuckDB table name is taken.",
                    $"{t.QualifiedName} is a view the registry did not create as this feature's table; an operator must drop it.");
            bool latestExisted;
            using (var r = c.Prepared(ValueSql.Columns).BindAll(ValueSql.LatestSchema, t.FeatureName).ExecuteReader()) latestExisted = r.Read();
            c.Execute(ValueSql.CreateTables(t));
            var columns = new List<string>();
            using (var r = c.Prepared(ValueSql.Columns).BindAll(t.Schema, t.Table).ExecuteReader())
            {
                while (r.Read()) columns.Add($"{r.GetString(0)} {r.GetString(1)}");
            }
            string[] expected = ["entity_id VARCHAR", "event_ts TIMESTAMP", $"value {ValueSql.ColumnType(t.DataType)}", "feature_version VARCHAR",
                "contract_major INTEGER", "ingested_at TIMESTAMP", "batch_id UUID"];
            if (!columns.SequenceEqual(expected))
                throw new ConflictException("The DuckDB table has another shape.",
                    $"{t.QualifiedName} exists with columns ({string.Join(", ", columns)}); the registry needs ({string.Join(", ", expected)}). " +
                    "Point duckdb_table at a new table, or migrate that one.");
            // The latest-value table is derived; rebuild it if it is missing (a restored backup of the values alone).
            if (!latestExisted)
                c.Execute($"""
                    INSERT INTO {ValueSql.Latest(t)} SELECT entity_id, contract_major, event_ts, value, feature_version, ingested_at
                    FROM {ValueSql.Target(t)} QUALIFY row_number() OVER (PARTITION BY entity_id, contract_major ORDER BY event_ts DESC, ingested_at DESC) = 1
                    """);
            _latest.Changed(t.FeatureName);
            _ready[t.QualifiedName] = true;
        }
        finally { Ddl.Release(); }
    }
}

public sealed class ValueStoreOptions
{
    /// <summary>The DuckDB database file.</summary>
    public string Path { get; set; } = ".data/values.duckdb";

    /// <summary>
    /// The folder under which this instance's staging folder is made (uploads and exports spooled while DuckDB reads or
    /// writes them); by default the values file's folder. See <see cref="StagingArea"/>.
    /// </summary>
    public string? TempDirectory { get; set; }

    /// <summary>Other folders the engine may write and read (the snapshot root); nothing else on the host is reachable.</summary>
    public List<string> ExtraAllowedDirectories { get; set; } = [];

    /// <summary>DuckDB's memory_limit: what every query together may hold before spilling or failing (a SQL feature's cap).</summary>
    public string MemoryLimit { get; set; } = DefaultMemoryLimit;

    public const string DefaultMemoryLimit = "4GB";

    /// <summary>How long a SQL feature's query (materialize, view, check) may run before it is interrupted.</summary>
    public TimeSpan SqlTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

internal static class CsvExport
{
    public static Task WriteAsync(IAsyncEnumerable<ValueRow> rows, Stream output, CancellationToken ct) =>
        CsvRows.WriteAsync(["entity_id", "event_ts", "value", "feature_version", "ingested_at"], Rows(rows), output, ct);

    private static async IAsyncEnumerable<object?[]> Rows(IAsyncEnumerable<ValueRow> rows)
    {
        await foreach (var r in rows) yield return [r.EntityId, r.EventTs, r.Value, r.FeatureVersion, r.IngestedAt];
    }
}
