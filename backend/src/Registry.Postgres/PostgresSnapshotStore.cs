using Npgsql;
using NpgsqlTypes;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Snapshots;
using Registry.Core.Versions;

namespace Registry.Postgres;

/// <summary>Snapshot records: the snapshot row, its files and its features (with their statistics), written in one transaction.</summary>
public sealed class PostgresSnapshotStore(NpgsqlDataSource dataSource) : ISnapshotStore
{
    private const string Columns = """
        s.snapshot_id, s.feature_set_name, s.feature_set_version, s.from_ts, s.to_ts, s.timeframe, s.entity_ids, s.row_count,
        s.checksum, s.created_by, s.created_at, s.created_by_key
        """;

    public async Task CreateAsync(Snapshot snapshot, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx);

        var insert = new NpgsqlBatchCommand("""
            INSERT INTO snapshots (snapshot_id, feature_set_name, version_key, feature_set_version, from_ts, to_ts, timeframe,
                entity_ids, row_count, checksum, created_by, created_at, created_by_key)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            """);
        insert.Parameters.Add(new() { Value = snapshot.Id });
        insert.Parameters.Add(new() { Value = snapshot.FeatureSetName });
        insert.Parameters.Add(new() { Value = SemVer.Key(SemVer.Parse(snapshot.FeatureSetVersion)) });
        insert.Parameters.Add(new() { Value = snapshot.FeatureSetVersion });
        insert.Parameters.Add(new() { Value = snapshot.From });
        insert.Parameters.Add(new() { Value = snapshot.To });
        insert.Parameters.Add(new() { Value = snapshot.Timeframe });
        insert.Parameters.Add(new() { Value = (object?)snapshot.EntityIds?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new() { Value = snapshot.RowCount });
        insert.Parameters.Add(new() { Value = snapshot.Checksum });
        insert.Parameters.Add(new() { Value = (object?)snapshot.CreatedBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new() { Value = snapshot.CreatedAt });
        insert.Parameters.Add(new() { Value = (object?)snapshot.CreatedByKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        batch.BatchCommands.Add(insert);

        var files = new NpgsqlBatchCommand("""
            INSERT INTO snapshot_files (snapshot_id, position, path, row_count, bytes, sha256)
            SELECT $1, position - 1, path, row_count, bytes, sha256
            FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::text[]) WITH ORDINALITY AS t (path, row_count, bytes, sha256, position)
            """);
        files.Parameters.Add(new() { Value = snapshot.Id });
        files.Parameters.Add(new() { Value = snapshot.Files.Select(f => f.Path).ToArray() });
        files.Parameters.Add(new() { Value = snapshot.Files.Select(f => f.Rows).ToArray() });
        files.Parameters.Add(new() { Value = snapshot.Files.Select(f => f.Bytes).ToArray() });
        files.Parameters.Add(new() { Value = snapshot.Files.Select(f => f.Sha256).ToArray() });
        batch.BatchCommands.Add(files);

        var features = new NpgsqlBatchCommand("""
            INSERT INTO snapshot_features (snapshot_id, position, feature_name, feature_version, contract_major, data_type,
                value_count, mean, std, min, max)
            SELECT $1, position - 1, name, version, major, data_type, n, mean, std, min, max
            FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::bigint[], $7::float8[], $8::float8[], $9::float8[], $10::float8[])
                WITH ORDINALITY AS t (name, version, major, data_type, n, mean, std, min, max, position)
            """);
        features.Parameters.Add(new() { Value = snapshot.Id });
        features.Parameters.Add(new() { Value = snapshot.Features.Select(f => f.FeatureName).ToArray() });
        features.Parameters.Add(new() { Value = snapshot.Features.Select(f => f.FeatureVersion).ToArray() });
        features.Parameters.Add(new() { Value = snapshot.Features.Select(f => f.ContractMajor).ToArray() });
        features.Parameters.Add(new() { Value = snapshot.Features.Select(f => StoredJson.Wire(f.DataType)).ToArray() });
        features.Parameters.Add(new() { Value = snapshot.Features.Select(f => f.Statistics.Count).ToArray() });
        foreach (var pick in new Func<FeatureNormalization, double?>[] { s => s.Mean, s => s.Std, s => s.Min, s => s.Max })
            features.Parameters.Add(new() { Value = snapshot.Features.Select(f => pick(f.Statistics)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        batch.BatchCommands.Add(features);

        try
        {
            await batch.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // The set version is read just before; versions are never deleted, so this is a database changed by hand.
            throw new NotFoundException($"Feature set '{snapshot.FeatureSetName}' has no version {snapshot.FeatureSetVersion}.");
        }
    }

    public async Task<Snapshot?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        var row = new NpgsqlBatchCommand($"SELECT {Columns} FROM snapshots s WHERE s.snapshot_id = $1");
        row.Parameters.Add(new() { Value = id });
        var files = new NpgsqlBatchCommand("SELECT path, row_count, bytes, sha256 FROM snapshot_files WHERE snapshot_id = $1 ORDER BY position");
        files.Parameters.Add(new() { Value = id });
        var features = new NpgsqlBatchCommand("""
            SELECT feature_name, feature_version, contract_major, data_type, value_count, mean, std, min, max
            FROM snapshot_features WHERE snapshot_id = $1 ORDER BY position
            """);
        features.Parameters.Add(new() { Value = id });
        batch.BatchCommands.Add(row);
        batch.BatchCommands.Add(files);
        batch.BatchCommands.Add(features);

        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var head = ReadSummary(reader, fileCount: 0, bytes: 0);
        await reader.NextResultAsync(ct);
        var fileList = new List<SnapshotFile>();
        while (await reader.ReadAsync(ct))
            fileList.Add(new SnapshotFile(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
        await reader.NextResultAsync(ct);
        var featureList = new List<SnapshotFeature>();
        while (await reader.ReadAsync(ct))
        {
            var name = reader.GetString(0);
            var version = reader.GetString(1);
            featureList.Add(new SnapshotFeature(name, version, reader.GetInt32(2), StoredJson.Parse<DataType>(reader.GetString(3)),
                new FeatureNormalization(name, version, reader.GetInt64(4), Nullable(reader, 5), Nullable(reader, 6), Nullable(reader, 7), Nullable(reader, 8))));
        }
        return new Snapshot
        {
            Id = head.Id,
            FeatureSetName = head.FeatureSetName,
            FeatureSetVersion = head.FeatureSetVersion,
            From = head.From,
            To = head.To,
            Timeframe = head.Timeframe,
            EntityIds = head.EntityIds,
            RowCount = head.RowCount,
            Files = fileList,
            Checksum = head.Checksum,
            Features = featureList,
            CreatedBy = head.CreatedBy,
            CreatedByKey = head.CreatedByKey,
            CreatedAt = head.CreatedAt,
        };
    }

    public async Task<SnapshotPage> ListAsync(SnapshotListQuery query, CancellationToken ct)
    {
        // The page and the total in one round trip; newest first reads the (feature_set_name, created_at DESC) index.
        await using var batch = dataSource.CreateBatch();
        var page = new NpgsqlBatchCommand($"""
            SELECT {Columns}, f.n, f.bytes
            FROM snapshots s
            CROSS JOIN LATERAL (SELECT count(*)::int AS n, coalesce(sum(bytes), 0)::bigint AS bytes FROM snapshot_files WHERE snapshot_id = s.snapshot_id) f
            WHERE $1::text IS NULL OR s.feature_set_name = $1
            ORDER BY s.created_at DESC, s.snapshot_id DESC
            OFFSET $2 LIMIT $3
            """);
        page.Parameters.Add(new() { Value = (object?)query.FeatureSet ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        page.Parameters.Add(new() { Value = query.Skip });
        page.Parameters.Add(new() { Value = query.Limit });
        var count = new NpgsqlBatchCommand("SELECT count(*) FROM snapshots WHERE $1::text IS NULL OR feature_set_name = $1");
        count.Parameters.Add(new() { Value = (object?)query.FeatureSet ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        batch.BatchCommands.Add(page);
        batch.BatchCommands.Add(count);

        var items = new List<SnapshotSummary>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) items.Add(ReadSummary(reader, reader.GetInt32(12), reader.GetInt64(13)));
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return new SnapshotPage(items, reader.GetInt64(0));
    }

    private static SnapshotSummary ReadSummary(NpgsqlDataReader r, int fileCount, long bytes) => new(
        r.GetGuid(0),
        r.GetString(1),
        r.GetString(2),
        r.GetFieldValue<DateTimeOffset>(3),
        r.GetFieldValue<DateTimeOffset>(4),
        r.GetString(5),
        r.IsDBNull(6) ? null : r.GetFieldValue<string[]>(6),
        r.GetInt64(7),
        fileCount,
        bytes,
        r.GetString(8),
        r.IsDBNull(9) ? null : r.GetString(9),
        r.IsDBNull(11) ? null : r.GetString(11),
        r.GetFieldValue<DateTimeOffset>(10));

    private static double? Nullable(NpgsqlDataReader r, int column) => r.IsDBNull(column) ? null : r.GetDouble(column);
}
