using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Versions;

namespace Registry.Postgres;

public sealed partial class PostgresFeatureStore : IVersionStore
{
    private const string VersionColumns = """
        feature_name, version, changelog, breaking_changes, transformation_snapshot, validation_snapshot,
        created_by, created_at, is_rolled_back, rolled_back_at, restored_from, created_by_key
        """;

    async Task<IReadOnlyList<FeatureVersion>> IVersionStore.ListAsync(string featureName, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {VersionColumns} FROM feature_versions WHERE feature_name = $1");
        cmd.Parameters.Add(new() { Value = featureName });
        var result = new List<FeatureVersion>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) result.Add(ReadVersion(reader));
        return result;
    }

    async Task<FeatureVersion?> IVersionStore.GetAsync(string featureName, string versionKey, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {VersionColumns} FROM feature_versions WHERE feature_name = $1 AND version_key = $2");
        cmd.Parameters.Add(new() { Value = featureName });
        cmd.Parameters.Add(new() { Value = versionKey });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadVersion(reader) : null;
    }

    async Task<FeatureDefinition?> IVersionStore.PublishAsync(FeatureDefinition feature, int expectedRevision, FeatureVersion version,
        string? rolledBack, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await UpdateRowAsync(connection, tx, feature, expectedRevision, ct) is not { } changed) return null;
        try
        {
            await InsertVersionAsync(connection, tx, version, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new ConflictException("The version already exists.", $"'{feature.FeatureName}' already has version {version.Version}.");
        }
        if (rolledBack is not null)
        {
            await using var mark = new NpgsqlCommand("""
                UPDATE feature_versions SET is_rolled_back = true, rolled_back_at = $3
                WHERE feature_name = $1 AND version = $2
                """, connection, tx);
            mark.Parameters.Add(new() { Value = feature.FeatureName });
            mark.Parameters.Add(new() { Value = rolledBack });
            mark.Parameters.Add(new() { Value = version.CreatedAt });
            await mark.ExecuteNonQueryAsync(ct);
        }
        await RecordRevisionAsync(connection, tx, feature, ct);
        await tx.CommitAsync(ct);
        cache?.Forget(changed);
        return feature;
    }

    public async Task<FeatureDefinition?> GetAsOfAsync(string featureName, DateTimeOffset asOf, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT document FROM feature_revisions
            WHERE feature_name = $1 AND recorded_at <= $2
            ORDER BY recorded_at DESC, revision DESC
            LIMIT 1
            """);
        cmd.Parameters.Add(new() { Value = featureName });
        cmd.Parameters.Add(new() { Value = asOf.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await cmd.ExecuteScalarAsync(ct) is string document
            ? JsonSerializer.Deserialize<FeatureDefinition>(document, StoredJson.Options)
            : null;
    }

    private static async Task InsertVersionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, FeatureVersion v, CancellationToken ct)
    {
        var parsed = SemVer.Parse(v.Version);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO feature_versions (feature_name, version_key, version, major, changelog, breaking_changes,
                transformation_snapshot, validation_snapshot, created_by, created_at, restored_from, created_by_key)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """, connection, tx);
        cmd.Parameters.Add(new() { Value = v.FeatureName });
        cmd.Parameters.Add(new() { Value = SemVer.Key(parsed) });
        cmd.Parameters.Add(new() { Value = v.Version });
        cmd.Parameters.Add(new() { Value = parsed.Major });
        cmd.Parameters.Add(new() { Value = (object?)v.Changelog ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = v.BreakingChanges });
        cmd.Parameters.Add(new()
        {
            Value = v.TransformationSnapshot is null ? DBNull.Value : JsonSerializer.Serialize(v.TransformationSnapshot, StoredJson.Options),
            NpgsqlDbType = NpgsqlDbType.Json,
        });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(v.ValidationSnapshot, StoredJson.Options), NpgsqlDbType = NpgsqlDbType.Json });
        cmd.Parameters.Add(new() { Value = v.CreatedBy });
        cmd.Parameters.Add(new() { Value = v.CreatedAt });
        cmd.Parameters.Add(new() { Value = (object?)v.RestoredFrom ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)v.CreatedByKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static FeatureVersion ReadVersion(NpgsqlDataReader r) => new()
    {
        FeatureName = r.GetString(0),
        Version = r.GetString(1),
        Changelog = r.IsDBNull(2) ? null : r.GetString(2),
        BreakingChanges = r.GetBoolean(3),
        TransformationSnapshot = r.IsDBNull(4) ? null : JsonSerializer.Deserialize<Transformation>(r.GetString(4), StoredJson.Options),
        ValidationSnapshot = JsonSerializer.Deserialize<List<ValidationRule>>(r.GetString(5), StoredJson.Options) ?? [],
        CreatedBy = r.GetString(6),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(7),
        IsRolledBack = r.GetBoolean(8),
        RolledBackAt = r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
        RestoredFrom = r.IsDBNull(10) ? null : r.GetString(10),
        CreatedByKey = r.IsDBNull(11) ? null : r.GetString(11),
    };
}
