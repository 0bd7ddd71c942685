using Npgsql;
using NpgsqlTypes;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Snapshots;
using Registry.Core.Usage;

namespace Registry.Postgres;

/// <summary>
/// Usage records in feature_usage, and the snapshots' audit log in snapshot_usage. Batches travel as parallel arrays
/// (unnest), so a training run's hundreds of records cost one round trip, not one per record.
/// </summary>
public sealed class PostgresUsageStore(NpgsqlDataSource dataSource, FeatureDefinitionCache? cache = null) : IUsageStore
{
    private const string Columns = """
        id, feature_name, feature_version, used_by_model, model_version, environment, feature_importance,
        correlation_with_target, execution_id, execution_duration_ms, usage_timestamp, recorded_at, snapshot_id
        """;

    // Row locks in name order: two transactions touching the same features queue up instead of deadlocking.
    private const string LockSql = """
        SELECT feature_name FROM features WHERE feature_name = ANY($1) ORDER BY feature_name FOR NO KEY UPDATE
        """;

    private const string SnapshotUsageColumns = """
        id, snapshot_id, used_by_model, model_version, environment, execution_id, usage_timestamp, recorded_at
        """;

    public async Task<IReadOnlyList<VersionLookup>> FindVersionsAsync(IReadOnlyCollection<VersionRef> versions, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT t.name, t.version_key, f.feature_name IS NOT NULL, v.version
            FROM unnest($1::text[], $2::text[]) AS t (name, version_key)
            LEFT JOIN features f ON f.feature_name = t.name
            LEFT JOIN feature_versions v ON v.feature_name = t.name AND v.version_key = t.version_key
            """);
        cmd.Parameters.Add(new() { Value = versions.Select(v => v.FeatureName).ToArray() });
        cmd.Parameters.Add(new() { Value = versions.Select(v => v.VersionKey).ToArray() });
        var result = new List<VersionLookup>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result.Add(new(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        return result;
    }

    public async Task<IReadOnlyList<UsageGroupResult>> RecordGroupAsync(IReadOnlyList<IReadOnlyList<FeatureUsage>> members, CancellationToken ct)
    {
        var records = members.SelectMany(m => m).ToList();
        // The common case, every feature there: locks, records and counters in one round trip, then the commit.
        if (await TryRecordAllAsync(records, ct) is { } rows)
        {
            Forget(records);
            return Split(members, rows, _ => true);
        }
        // A feature is gone (the insert met the foreign key, nothing was committed): again, leaving its members out.
        return await RecordPresentMembersAsync(members, ct);
    }

    /// <summary>Stores every record in one transaction; null, with nothing stored, when one names a missing feature.</summary>
    private async Task<List<FeatureUsage>?> TryRecordAllAsync(List<FeatureUsage> records, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        AddRecordCommands(batch, records);
        var rows = new List<FeatureUsage>(records.Count);
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(ct);
            await reader.NextResultAsync(ct); // past the locks
            while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
            while (await reader.NextResultAsync(ct)) { }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return null; // rolled back when the transaction is disposed
        }
        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>
    /// Locks the features first (a round trip of its own): a locked feature cannot be deleted before the commit, so the
    /// members whose features are all locked are stored, and the others are left out rather than failing the group.
    /// </summary>
    private async Task<IReadOnlyList<UsageGroupResult>> RecordPresentMembersAsync(IReadOnlyList<IReadOnlyList<FeatureUsage>> members, CancellationToken ct)
    {
        var names = members.SelectMany(m => m).Select(r => r.FeatureName).Distinct(StringComparer.Ordinal).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var lockRows = new NpgsqlCommand(LockSql, connection, tx))
        {
            lockRows.Parameters.Add(new() { Value = names, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await using var reader = await lockRows.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) present.Add(reader.GetString(0));
        }
        bool Stored(IReadOnlyList<FeatureUsage> member) => member.All(r => present.Contains(r.FeatureName));
        var records = members.Where(Stored).SelectMany(m => m).ToList();

        var rows = new List<FeatureUsage>(records.Count);
        if (records.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, tx);
            AddInsertCommands(batch, records);
            await using var reader = await batch.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
            while (await reader.NextResultAsync(ct)) { }
        }
        await tx.CommitAsync(ct);
        Forget(records);
        return Split(members, rows, Stored);
    }

    /// <summary>The counters moved: the definitions' answers (usage_count, last_used_at) changed.</summary>
    private void Forget(List<FeatureUsage> records)
    {
        if (records.Count > 0) cache?.Forget(records.Select(r => r.FeatureName).Distinct(StringComparer.Ordinal));
    }

    /// <summary>
    /// Each member's stored records, or its features when it was left out. Identities follow the input order, so the
    /// rows sorted by id are the stored members' records, member after member.
    /// </summary>
    private static List<UsageGroupResult> Split(IReadOnlyList<IReadOnlyList<FeatureUsage>> members, List<FeatureUsage> rows,
        Func<IReadOnlyList<FeatureUsage>, bool> stored)
    {
        rows.Sort((a, b) => a.Id.CompareTo(b.Id));
        var results = new List<UsageGroupResult>(members.Count);
        var next = 0;
        foreach (var member in members)
        {
            if (stored(member))
            {
                results.Add(UsageGroupResult.Recorded(rows.GetRange(next, member.Count)));
                next += member.Count;
            }
            else
            {
                results.Add(UsageGroupResult.Missing([.. member.Select(r => r.FeatureName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]));
            }
        }
        return results;
    }

    public async Task<RecordedSnapshotUsage> RecordSnapshotUsageAsync(SnapshotUsage entry, IReadOnlyList<FeatureUsage> records, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // The audit log entry and the member records in one transaction and one round trip: both or neither.
        await using var batch = new NpgsqlBatch(connection, tx);
        var insert = new NpgsqlBatchCommand($"""
            INSERT INTO snapshot_usage (snapshot_id, used_by_model, model_version, environment, execution_id, usage_timestamp)
            VALUES ($1, $2, $3, $4, $5, $6)
            RETURNING {SnapshotUsageColumns}
            """);
        insert.Parameters.Add(new() { Value = entry.SnapshotId });
        insert.Parameters.Add(new() { Value = entry.UsedByModel });
        insert.Parameters.Add(new() { Value = entry.ModelVersion });
        insert.Parameters.Add(new() { Value = StoredJson.Wire(entry.Environment) });
        insert.Parameters.Add(new() { Value = entry.ExecutionId });
        insert.Parameters.Add(new() { Value = entry.UsageTimestamp });
        batch.BatchCommands.Add(insert);
        AddRecordCommands(batch, records);

        SnapshotUsage? stored = null;
        var members = new List<FeatureUsage>(records.Count);
        await ExecuteAsync(batch, tx, records, async reader =>
        {
            await reader.ReadAsync(ct);
            stored = ReadSnapshotUsage(reader);
            await reader.NextResultAsync(ct); // the lock
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) members.Add(Read(reader));
        }, ct);
        return new RecordedSnapshotUsage(stored!, members.OrderBy(r => r.Id).ToList());
    }

    public async Task<SnapshotUsagePage> ListSnapshotUsageAsync(Guid snapshotId, int skip, int limit, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        var page = new NpgsqlBatchCommand($"""
            SELECT {SnapshotUsageColumns} FROM snapshot_usage
            WHERE snapshot_id = $1
            ORDER BY usage_timestamp DESC, id DESC
            OFFSET $2 LIMIT $3
            """);
        page.Parameters.Add(new() { Value = snapshotId });
        page.Parameters.Add(new() { Value = skip });
        page.Parameters.Add(new() { Value = limit });
        var count = new NpgsqlBatchCommand("SELECT count(*) FROM snapshot_usage WHERE snapshot_id = $1");
        count.Parameters.Add(new() { Value = snapshotId });
        batch.BatchCommands.Add(page);
        batch.BatchCommands.Add(count);

        var items = new List<SnapshotUsage>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) items.Add(ReadSnapshotUsage(reader));
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return new SnapshotUsagePage(items, reader.GetInt64(0));
    }

    /// <summary>
    /// Appends the three statements that record usage to <paramref name="batch"/>: lock the features, insert the
    /// records (their result set is the stored records), and move the features' counters.
    /// </summary>
    private static void AddRecordCommands(NpgsqlBatch batch, IReadOnlyList<FeatureUsage> records)
    {
        var lockRows = new NpgsqlBatchCommand(LockSql);
        lockRows.Parameters.Add(new() { Value = records.Select(r => r.FeatureName).Distinct(StringComparer.Ordinal).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        batch.BatchCommands.Add(lockRows);
        AddInsertCommands(batch, records);
    }

    /// <summary>
    /// Appends the two statements that store records to <paramref name="batch"/>, once their features are locked: insert
    /// the records (their result set is the stored records) and move the features' counters.
    /// </summary>
    private static void AddInsertCommands(NpgsqlBatch batch, IReadOnlyList<FeatureUsage> records)
    {
        var perFeature = records.GroupBy(r => r.FeatureName, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Count: (long)g.Count(), Last: g.Max(r => r.UsageTimestamp)))
            .OrderBy(g => g.Name, StringComparer.Ordinal)
            .ToList();

        // ORDER BY position makes the identity follow the input order, so sorting the answer by id restores it.
        var insert = new NpgsqlBatchCommand($"""
            INSERT INTO feature_usage (feature_name, feature_version, used_by_model, model_version, environment, feature_importance,
                correlation_with_target, execution_id, execution_duration_ms, usage_timestamp, snapshot_id)
            SELECT name, version, model, model_version, environment, importance, correlation, execution_id, duration, used_at, snapshot_id
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::text[],
                        $9::float8[], $10::timestamptz[], $11::uuid[])
                WITH ORDINALITY AS t (name, version, model, model_version, environment, importance, correlation, execution_id,
                                      duration, used_at, snapshot_id, position)
            ORDER BY position
            RETURNING {Columns}
            """);
        insert.Parameters.Add(new() { Value = records.Select(r => r.FeatureName).ToArray() });
        insert.Parameters.Add(new() { Value = records.Select(r => r.FeatureVersion).ToArray() });
        insert.Parameters.Add(new() { Value = records.Select(r => r.UsedByModel).ToArray() });
        insert.Parameters.Add(new() { Value = records.Select(r => r.ModelVersion).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new() { Value = records.Select(r => StoredJson.Wire(r.Environment)).ToArray() });
        insert.Parameters.Add(new() { Value = records.Select(r => r.FeatureImportance).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        insert.Parameters.Add(new() { Value = records.Select(r => r.CorrelationWithTarget).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        insert.Parameters.Add(new() { Value = records.Select(r => r.ExecutionId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new() { Value = records.Select(r => r.ExecutionDurationMs).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        insert.Parameters.Add(new() { Value = records.Select(r => r.UsageTimestamp).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new() { Value = records.Select(r => r.SnapshotId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        batch.BatchCommands.Add(insert);

        // Increments computed by the database, not read-modify-write: concurrent recorders lose nothing. The revision
        // stays: usage is not a definition change, so it must not fail anyone's If-Match.
        var bump = new NpgsqlBatchCommand("""
            UPDATE features f
            SET usage_count = f.usage_count + t.n, last_used_at = GREATEST(f.last_used_at, t.last_used_at)
            FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS t (name, n, last_used_at)
            WHERE f.feature_name = t.name
            """);
        bump.Parameters.Add(new() { Value = perFeature.Select(f => f.Name).ToArray() });
        bump.Parameters.Add(new() { Value = perFeature.Select(f => f.Count).ToArray() });
        bump.Parameters.Add(new() { Value = perFeature.Select(f => f.Last).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        batch.BatchCommands.Add(bump);
    }

    /// <summary>Runs the batch, lets <paramref name="read"/> consume its results, drains the rest and commits.</summary>
    private async Task ExecuteAsync(NpgsqlBatch batch, NpgsqlTransaction tx, IReadOnlyList<FeatureUsage> records,
        Func<NpgsqlDataReader, Task> read, CancellationToken ct)
    {
        try
        {
            await using (var reader = await batch.ExecuteReaderAsync(ct))
            {
                await read(reader);
                while (await reader.NextResultAsync(ct)) { }
            }
            await tx.CommitAsync(ct);
            // The counters moved: the definitions' answers (usage_count, last_used_at) changed.
            cache?.Forget(records.Select(r => r.FeatureName).Distinct(StringComparer.Ordinal));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // A feature vanished between the service's check and this insert.
            throw new NotFoundException($"One of these features no longer exists: {string.Join(", ", records.Select(r => r.FeatureName).Distinct().Order(StringComparer.Ordinal))}.");
        }
    }

    public async Task<UsagePage> ListAsync(string featureName, int skip, int limit, CancellationToken ct)
    {
        // The page and the total in one round trip; the page reads the (feature_name, usage_timestamp DESC) index.
        await using var batch = dataSource.CreateBatch();
        var page = new NpgsqlBatchCommand($"""
            SELECT {Columns} FROM feature_usage
            WHERE feature_name = $1
            ORDER BY usage_timestamp DESC, id DESC
            OFFSET $2 LIMIT $3
            """);
        page.Parameters.Add(new() { Value = featureName });
        page.Parameters.Add(new() { Value = skip });
        page.Parameters.Add(new() { Value = limit });
        var count = new NpgsqlBatchCommand("SELECT count(*) FROM feature_usage WHERE feature_name = $1");
        count.Parameters.Add(new() { Value = featureName });
        batch.BatchCommands.Add(page);
        batch.BatchCommands.Add(count);

        var items = new List<FeatureUsage>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) items.Add(Read(reader));
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return new UsagePage(items, reader.GetInt64(0));
    }

    public async Task<UsageStatistics> GetStatisticsAsync(string featureName, CancellationToken ct)
    {
        // The empty grouping set is the overall row (present even without records); the other, one row per version.
        await using var cmd = dataSource.CreateCommand("""
            SELECT GROUPING(feature_version) = 1 AS overall, feature_version,
                   count(*), count(DISTINCT used_by_model),
                   count(*) FILTER (WHERE environment = 'dev'),
                   count(*) FILTER (WHERE environment = 'staging'),
                   count(*) FILTER (WHERE environment = 'production'),
                   avg(feature_importance), avg(correlation_with_target), max(usage_timestamp)
            FROM feature_usage
            WHERE feature_name = $1
            GROUP BY GROUPING SETS ((), (feature_version))
            """);
        cmd.Parameters.Add(new() { Value = featureName });
        UsageFigures? overall = null;
        var byVersion = new List<VersionUsageFigures>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var figures = new UsageFigures(
                reader.GetInt64(2),
                reader.GetInt64(3),
                new Dictionary<UsageEnvironment, long>
                {
                    [UsageEnvironment.Dev] = reader.GetInt64(4),
                    [UsageEnvironment.Staging] = reader.GetInt64(5),
                    [UsageEnvironment.Production] = reader.GetInt64(6),
                },
                reader.IsDBNull(7) ? null : reader.GetDouble(7),
                reader.IsDBNull(8) ? null : reader.GetDouble(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9));
            if (reader.GetBoolean(0)) overall = figures;
            else byVersion.Add(new VersionUsageFigures(reader.GetString(1), figures));
        }
        return new UsageStatistics(featureName, overall!, byVersion);
    }

    private static FeatureUsage Read(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt64(0),
        FeatureName = r.GetString(1),
        FeatureVersion = r.GetString(2),
        UsedByModel = r.GetString(3),
        ModelVersion = r.IsDBNull(4) ? null : r.GetString(4),
        Environment = StoredJson.Parse<UsageEnvironment>(r.GetString(5)),
        FeatureImportance = r.IsDBNull(6) ? null : r.GetDouble(6),
        CorrelationWithTarget = r.IsDBNull(7) ? null : r.GetDouble(7),
        ExecutionId = r.IsDBNull(8) ? null : r.GetString(8),
        ExecutionDurationMs = r.IsDBNull(9) ? null : r.GetDouble(9),
        UsageTimestamp = r.GetFieldValue<DateTimeOffset>(10),
        RecordedAt = r.GetFieldValue<DateTimeOffset>(11),
        SnapshotId = r.IsDBNull(12) ? null : r.GetGuid(12),
    };

    private static SnapshotUsage ReadSnapshotUsage(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt64(0),
        SnapshotId = r.GetGuid(1),
        UsedByModel = r.GetString(2),
        ModelVersion = r.GetString(3),
        Environment = StoredJson.Parse<UsageEnvironment>(r.GetString(4)),
        ExecutionId = r.GetString(5),
        UsageTimestamp = r.GetFieldValue<DateTimeOffset>(6),
        RecordedAt = r.GetFieldValue<DateTimeOffset>(7),
    };
}
