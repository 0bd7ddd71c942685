using System.Globalization;
using System.Security.Cryptography;
using Registry.Core.Features;
using Registry.Core.Snapshots;
using Registry.Core.Training;
using Registry.DuckDb.Training;
using Registry.DuckDb.Values;

namespace Registry.DuckDb.Snapshots;

/// <summary>Where snapshot trees are written.</summary>
public sealed class SnapshotStoreOptions
{
    /// <summary>Each snapshot is the directory <c>{Root}/{snapshot_id}</c>; <c>{Root}/.staging</c> holds trees being written.</summary>
    public string Root { get; set; } = System.IO.Path.Combine(".data", "snapshots");
}

/// <summary>
/// Snapshot files: the labels are built in DuckDB (a grid of the timeframe over the entities, or every stored key), joined
/// point in time exactly as training sets are (<see cref="DuckDbTrainingStore"/>'s ASOF join), kept in a TEMP table, and
/// written with COPY … TO, one Parquet file per UTC day of ts. The tree is written under <c>.staging</c> and renamed into
/// place whole, so a snapshot directory is either complete or absent, and a rename onto an existing one fails rather
/// than mixing two snapshots' files.
/// </summary>
public sealed class DuckDbSnapshotFileStore(DuckDbDatabase db, SnapshotStoreOptions options) : ISnapshotFileStore
{
    public const string StagingFolder = ".staging";

    public async Task<WrittenSnapshot> WriteAsync(SnapshotPlan plan, CancellationToken ct)
    {
        await using var session = await DuckDbTrainingStore.PrepareAsync(db, (s, _) =>
        {
            LoadLabels(s, plan);
            return Task.CompletedTask;
        }, plan.Features, asOf: null, ct);
        var c = session.Connection;
        using var interrupt = ct.Register(c.Interrupt);
        var rows = session.Labels + "_rows";
        session.Temp.Add(rows);
        c.Execute($"CREATE TEMP TABLE {ValueSql.Q(rows)} AS {session.FinalSelect}");

        var (count, statistics) = Statistics(c, rows, plan.Features);
        if (count == 0 || statistics.All(s => s.Count == 0)) return new WrittenSnapshot(count, [], statistics);

        var days = new List<(long StartMicros, long Rows)>();
        using (var r = c.Query($"SELECT epoch_us(date_trunc('day', ts)) AS day, count(*) FROM {ValueSql.Temp(rows)} GROUP BY day ORDER BY day"))
            while (r.Read()) days.Add((r.GetInt64(0), r.GetInt64(1)));
        if (days.Count > plan.MaxFiles) throw SnapshotService.TooManyFiles(days.Count);

        var id = plan.Id.ToString();
        var staging = Path.Combine(options.Root, StagingFolder, id);
        var folder = Path.Combine(plan.FeatureSetName, plan.Timeframe);
        var files = new List<SnapshotFile>(days.Count);
        try
        {
            Directory.CreateDirectory(Path.Combine(staging, folder));
            foreach (var (start, dayRows) in days)
            {
                ct.ThrowIfCancellationRequested();
                var name = DateTime.UnixEpoch.AddTicks(start * 10).ToString("yyyyMMdd", CultureInfo.InvariantCulture) + ".parquet";
                var file = Path.Combine(staging, folder, name);
                // Day bounds are integers computed here, never text from the request.
                c.Execute($"""
                    COPY (SELECT * FROM {ValueSql.Temp(rows)}
                          WHERE ts >= make_timestamp({start}::BIGINT) AND ts < make_timestamp({start + MicrosPerDay}::BIGINT)
                          ORDER BY ts, entity_id)
                    TO {DuckDbSession.Literal(file)} ({DuckDbTrainingStore.ParquetOptions(plan.Features.Count + 2)})
                    """);
                files.Add(await DescribeAsync(file, $"{plan.FeatureSetName}/{plan.Timeframe}/{name}", dayRows, ct));
            }
            Directory.Move(staging, Path.Combine(options.Root, id));
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
        return new WrittenSnapshot(count, files, statistics);
    }

    public void Delete(Guid id) => TryDelete(Path.Combine(options.Root, id.ToString()));

    private const long MicrosPerDay = 86_400_000_000;

    /// <summary>The entities table a snapshot of given entities is appended to.</summary>
    internal static readonly AppendColumn[] EntityColumns = [new("entity_id", "VARCHAR")];

    internal static string EntityTable(string name) => $"CREATE TEMP TABLE {ValueSql.Q(name)} (entity_id VARCHAR)";

    /// <summary>
    /// Creates the labels TEMP table (row_no, entity_id, ts), ordered by (ts, entity_id): the grid of the timeframe over
    /// [from, to) for each entity, or every stored (entity, event time) of any member in [from, to).
    /// </summary>
    private static void LoadLabels(DuckDbTrainingStore.Session session, SnapshotPlan plan)
    {
        var c = session.Connection;
        var labels = ValueSql.Q(session.Labels);
        var entities = session.Labels + "_entities";
        string? entityFilter = null;
        if (plan.EntityIds is { } given)
        {
            session.Temp.Add(entities);
            c.Execute(EntityTable(entities));
            using (var appender = CheckedAppender.Open(c, "temp", "main", entities, EntityColumns))
            {
                foreach (var e in given) appender.Varchar(e).EndRow();
                appender.Close();
            }
            entityFilter = $"entity_id IN (SELECT entity_id FROM {ValueSql.Temp(entities)})";
        }
        var (keys, args) = Keys(c, plan, entityFilter);

        if (plan.Step is not { } step)
        {
            c.Execute($"""
                CREATE TEMP TABLE {labels} AS
                SELECT row_number() OVER (ORDER BY ts, entity_id) - 1 AS row_no, entity_id, ts
                FROM (SELECT DISTINCT entity_id, event_ts AS ts FROM ({keys}))
                ORDER BY row_no
                """, [.. args]);
            var count = Count(c, session.Labels);
            if (count > plan.MaxRows) throw SnapshotService.TooManyRows(count);
            return;
        }

        if (plan.EntityIds is null)
        {
            session.Temp.Add(entities);
            c.Execute($"CREATE TEMP TABLE {ValueSql.Q(entities)} AS SELECT DISTINCT entity_id FROM ({keys})", [.. args]);
        }
        // Checked before the grid exists: a fine timeframe over many entities would otherwise be built only to be refused.
        var rows = SnapshotTimeframes.GridCount(plan.From, plan.To, step) * Count(c, entities);
        if (rows > plan.MaxRows) throw SnapshotService.TooManyRows(rows);
        c.Execute($"""
            CREATE TEMP TABLE {labels} AS
            SELECT row_number() OVER (ORDER BY g.ts, e.entity_id) - 1 AS row_no, e.entity_id, g.ts
            FROM {ValueSql.Temp(entities)} e
            CROSS JOIN (SELECT range AS ts FROM range(?::TIMESTAMP, ?::TIMESTAMP, to_microseconds(?::BIGINT))) g
            ORDER BY row_no
            """, SnapshotTimeframes.FirstInstant(plan.From, step), plan.To, step.Ticks / 10);
    }

    /// <summary>Every stored (entity_id, event_ts) of any member in [from, to), in the member's contract; duplicates kept.</summary>
    private static (string Sql, List<object?> Args) Keys(DuckDbSession c, SnapshotPlan plan, string? entityFilter)
    {
        var existing = DuckDbTrainingStore.TableSizes(c);
        var parts = new List<string>();
        var args = new List<object?>();
        foreach (var f in plan.Features.Where(f => existing.ContainsKey(f.Table.QualifiedName)))
        {
            parts.Add($"SELECT entity_id, event_ts FROM {ValueSql.Target(f.Table)} WHERE contract_major = ? AND event_ts >= ? AND event_ts < ?" +
                      (entityFilter is null ? "" : $" AND {entityFilter}"));
            args.AddRange([f.ContractMajor, plan.From, plan.To]);
        }
        return parts.Count == 0
            ? ("SELECT NULL::VARCHAR AS entity_id, NULL::TIMESTAMP AS event_ts WHERE false", args)
            : (string.Join(" UNION ALL ", parts), args);
    }

    private static long Count(DuckDbSession c, string table)
    {
        using var r = c.Query($"SELECT count(*) FROM {ValueSql.Temp(table)}");
        r.Read();
        return r.GetInt64(0);
    }

    /// <summary>
    /// The row count and, per member column, the count of non-null values and for numeric members the mean, population
    /// standard deviation (stddev_pop: ddof = 0, as scikit-learn's StandardScaler), min and max, in one pass.
    /// </summary>
    private static (long Rows, IReadOnlyList<FeatureNormalization> Statistics) Statistics(DuckDbSession c, string rows, IReadOnlyList<PinnedFeature> features)
    {
        var select = new List<string> { "count(*)" };
        foreach (var f in features)
        {
            var column = ValueSql.Q(f.FeatureName);
            select.Add($"count({column})");
            if (IsNumeric(f.Table.DataType))
            {
                var v = $"CAST({column} AS DOUBLE)";
                select.AddRange([$"avg({v})", $"stddev_pop({v})", $"min({v})", $"max({v})"]);
            }
        }
        using var r = c.Query($"SELECT {string.Join(", ", select)} FROM {ValueSql.Temp(rows)}");
        r.Read();
        var result = new List<FeatureNormalization>(features.Count);
        var i = 1;
        foreach (var f in features)
        {
            var n = r.GetInt64(i++);
            if (!IsNumeric(f.Table.DataType))
            {
                result.Add(new FeatureNormalization(f.FeatureName, f.FeatureVersion, n, null, null, null, null));
                continue;
            }
            double? Next() { var col = i++; return r.IsNull(col) ? null : r.GetDouble(col); }
            result.Add(new FeatureNormalization(f.FeatureName, f.FeatureVersion, n, Next(), Next(), Next(), Next()));
        }
        return (r.GetInt64(0), result);
    }

    private static bool IsNumeric(DataType type) => type is DataType.Float or DataType.Integer;

    /// <summary>Size and SHA-256 of a written file, which is then made read-only: snapshot files are never rewritten.</summary>
    private static async Task<SnapshotFile> DescribeAsync(string file, string relative, long rows, CancellationToken ct)
    {
        string sha;
        long bytes;
        await using (var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
        {
            bytes = fs.Length;
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(fs, ct));
        }
        if (OperatingSystem.IsWindows()) File.SetAttributes(file, FileAttributes.ReadOnly);
        else File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return new SnapshotFile(relative, rows, bytes, sha);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (!Directory.Exists(directory)) return;
            // Read-only files cannot be deleted on Windows; on Unix the directory's permission is what counts.
            if (OperatingSystem.IsWindows())
                foreach (var f in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)) File.SetAttributes(f, FileAttributes.Normal);
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException) { /* the caller's error matters more; a leftover under .staging holds no record */ }
        catch (UnauthorizedAccessException) { }
    }
}
