using Npgsql;
using NpgsqlTypes;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.FeatureSets;
using Registry.Core.Versions;

namespace Registry.Postgres;

public sealed class PostgresFeatureSetStore(NpgsqlDataSource dataSource) : IFeatureSetStore
{
    private const string SetColumns = "s.feature_set_name, s.description, s.owner, s.tags, s.current_version, s.created_at, s.updated_at";

    /// <summary>A version and its members as two arrays in member order (names, pinned versions).</summary>
    private const string VersionColumns = """
        v.feature_set_name, v.version, v.changelog, v.created_by, v.created_at,
        ARRAY(SELECT m.feature_name FROM feature_set_members m
              WHERE m.feature_set_name = v.feature_set_name AND m.version_key = v.version_key ORDER BY m.position),
        ARRAY(SELECT m.feature_version FROM feature_set_members m
              WHERE m.feature_set_name = v.feature_set_name AND m.version_key = v.version_key ORDER BY m.position),
        v.created_by_key
        """;

    /// <summary>A set joined to its current version (current_version holds the version exactly as published).</summary>
    private const string DetailsFrom = """
        FROM feature_sets s JOIN feature_set_versions v ON v.feature_set_name = s.feature_set_name AND v.version = s.current_version
        """;

    /// <summary>$1 feature names, $2 version keys (null: none requested).</summary>
    public const string LookupMembersSql = """
        SELECT r.name, r.key, f.status, f.deprecated_at, f.current_version, v.version
        FROM unnest($1::text[], $2::text[]) AS r (name, key)
        LEFT JOIN features f ON f.feature_name = r.name
        LEFT JOIN feature_versions v ON v.feature_name = r.name AND v.version_key = r.key
        """;

    public async Task<FeatureSetDetails> CreateAsync(FeatureSet featureSet, FeatureSetVersion firstVersion, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            await LockMembersAsync(connection, tx, firstVersion, ct);
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO feature_sets (feature_set_name, description, owner, tags, current_version, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, connection, tx))
            {
                insert.Parameters.Add(new() { Value = featureSet.FeatureSetName });
                insert.Parameters.Add(new() { Value = (object?)featureSet.Description ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                insert.Parameters.Add(new() { Value = featureSet.Owner });
                insert.Parameters.Add(new() { Value = featureSet.Tags.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                insert.Parameters.Add(new() { Value = featureSet.CurrentVersion });
                insert.Parameters.Add(new() { Value = featureSet.CreatedAt });
                insert.Parameters.Add(new() { Value = featureSet.UpdatedAt });
                await insert.ExecuteNonQueryAsync(ct);
            }
            await InsertVersionAsync(connection, tx, firstVersion, ct);
            await tx.CommitAsync(ct);
            return new FeatureSetDetails(featureSet, firstVersion);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "feature_sets_pkey")
        {
            throw FeatureSetRules.Duplicate(featureSet.FeatureSetName);
        }
    }

    public async Task<FeatureSetVersion?> PublishAsync(FeatureSetVersion version, string expectedCurrentVersion, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LockMembersAsync(connection, tx, version, ct);
        // The current version is the highest, so it orders publishes: a version checked against a stale one is not written.
        await using (var update = new NpgsqlCommand("""
            UPDATE feature_sets SET current_version = $2, updated_at = $3
            WHERE feature_set_name = $1 AND current_version = $4
            """, connection, tx))
        {
            update.Parameters.Add(new() { Value = version.FeatureSetName });
            update.Parameters.Add(new() { Value = version.Version });
            update.Parameters.Add(new() { Value = version.CreatedAt });
            update.Parameters.Add(new() { Value = expectedCurrentVersion });
            if (await update.ExecuteNonQueryAsync(ct) == 0) return null;
        }
        try
        {
            await InsertVersionAsync(connection, tx, version, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "feature_set_versions_pkey")
        {
            throw new ConflictException("The version already exists.",
                $"Feature set '{version.FeatureSetName}' already has version {version.Version}; a published version is immutable: publish a greater one.");
        }
        await tx.CommitAsync(ct);
        return version;
    }

    public async Task<FeatureSet?> GetAsync(string featureSetName, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {SetColumns} FROM feature_sets s WHERE s.feature_set_name = $1");
        cmd.Parameters.Add(new() { Value = featureSetName });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadSet(reader) : null;
    }

    public async Task<FeatureSetDetails?> GetDetailsAsync(string featureSetName, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {SetColumns}, {VersionColumns} {DetailsFrom} WHERE s.feature_set_name = $1");
        cmd.Parameters.Add(new() { Value = featureSetName });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new FeatureSetDetails(ReadSet(reader), ReadVersion(reader, 7)) : null;
    }

    public async Task<FeatureSetPage> ListAsync(FeatureSetListQuery query, CancellationToken ct)
    {
        var where = new List<string>();
        var parameters = new List<NpgsqlParameter>();
        if (query.Owner is { } owner)
        {
            parameters.Add(new() { Value = owner });
            where.Add($"s.owner = ${parameters.Count}");
        }
        if (query.Tags.Count > 0)
        {
            parameters.Add(new() { Value = query.Tags.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            where.Add($"s.tags @> ${parameters.Count}");
        }
        var whereSql = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);

        // One round trip: the page and the total together.
        await using var cmd = dataSource.CreateCommand($"""
            SELECT {SetColumns}, {VersionColumns}, count(*) OVER () AS total
            {DetailsFrom} {whereSql}
            ORDER BY s.feature_set_name
            OFFSET {query.Skip} LIMIT {query.Limit}
            """);
        cmd.Parameters.AddRange(parameters.ToArray());
        var items = new List<FeatureSetDetails>();
        long total = -1;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                items.Add(new FeatureSetDetails(ReadSet(reader), ReadVersion(reader, 7)));
                total = reader.GetInt64(reader.FieldCount - 1);
            }
        }
        if (total < 0 && query.Skip == 0) total = 0;
        if (total < 0)
        {
            // A page past the end: the window function had no row to report the total on.
            await using var count = dataSource.CreateCommand($"SELECT count(*) FROM feature_sets s {whereSql}");
            count.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        return new FeatureSetPage(items, total);
    }

    public async Task<IReadOnlyList<FeatureSetVersion>> ListVersionsAsync(string featureSetName, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {VersionColumns} FROM feature_set_versions v WHERE v.feature_set_name = $1");
        cmd.Parameters.Add(new() { Value = featureSetName });
        var result = new List<FeatureSetVersion>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) result.Add(ReadVersion(reader, 0));
        return result;
    }

    public async Task<FeatureSetVersion?> GetVersionAsync(string featureSetName, string versionKey, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {VersionColumns} FROM feature_set_versions v WHERE v.feature_set_name = $1 AND v.version_key = $2");
        cmd.Parameters.Add(new() { Value = featureSetName });
        cmd.Parameters.Add(new() { Value = versionKey });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadVersion(reader, 0) : null;
    }

    public async Task<IReadOnlyList<MemberLookup>> LookupMembersAsync(IReadOnlyCollection<MemberRef> members, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(LookupMembersSql);
        cmd.Parameters.Add(new() { Value = members.Select(m => m.FeatureName).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = members.Select(m => m.VersionKey).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var result = new List<MemberLookup>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new MemberLookup(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : StoredJson.Parse<FeatureStatus>(reader.GetString(2)),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return result;
    }

    /// <summary>
    /// The service checked the members before the transaction; a member deprecated or archived since would slip in. Under a
    /// share lock on the member features (a lifecycle change waits for this transaction, or has committed and is seen here),
    /// the rule is checked again. Locked in name order, so two publishes never wait on each other in a cycle.
    /// </summary>
    private static async Task LockMembersAsync(NpgsqlConnection connection, NpgsqlTransaction tx, FeatureSetVersion version, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT feature_name, status, deprecated_at FROM features WHERE feature_name = ANY($1) ORDER BY feature_name FOR SHARE", connection, tx);
        cmd.Parameters.Add(new() { Value = version.Members.Select(m => m.FeatureName).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var states = new List<(string, FeatureStatus, DateTimeOffset?)>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                states.Add((reader.GetString(0), StoredJson.Parse<FeatureStatus>(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2)));
        }
        FeatureSetRules.ThrowIfUnusable(version.FeatureSetName, states);
    }

    private static async Task InsertVersionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, FeatureSetVersion v, CancellationToken ct)
    {
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO feature_set_versions (feature_set_name, version_key, version, changelog, created_by, created_at, created_by_key)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, connection, tx))
        {
            cmd.Parameters.Add(new() { Value = v.FeatureSetName });
            cmd.Parameters.Add(new() { Value = SemVer.Key(SemVer.Parse(v.Version)) });
            cmd.Parameters.Add(new() { Value = v.Version });
            cmd.Parameters.Add(new() { Value = (object?)v.Changelog ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = v.CreatedBy });
            cmd.Parameters.Add(new() { Value = v.CreatedAt });
            cmd.Parameters.Add(new() { Value = (object?)v.CreatedByKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await using var members = new NpgsqlCommand("""
            INSERT INTO feature_set_members (feature_set_name, version_key, position, feature_name, feature_version, feature_version_key)
            SELECT $1, $2, t.ordinality, t.name, t.version, t.version_key
            FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t (name, version, version_key, ordinality)
            """, connection, tx);
        members.Parameters.Add(new() { Value = v.FeatureSetName });
        members.Parameters.Add(new() { Value = SemVer.Key(SemVer.Parse(v.Version)) });
        members.Parameters.Add(new() { Value = v.Members.Select(m => m.FeatureName).ToArray() });
        members.Parameters.Add(new() { Value = v.Members.Select(m => m.FeatureVersion).ToArray() });
        members.Parameters.Add(new() { Value = v.Members.Select(m => SemVer.Key(SemVer.Parse(m.FeatureVersion))).ToArray() });
        try
        {
            await members.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // The service found every feature and version; they cannot be deleted, so this is only a defence.
            throw new RuleViolationException("Unknown feature versions.",
                $"A member of feature set '{v.FeatureSetName}' names a feature or feature version that does not exist.");
        }
    }

    private static FeatureSet ReadSet(NpgsqlDataReader r) => new()
    {
        FeatureSetName = r.GetString(0),
        Description = r.IsDBNull(1) ? null : r.GetString(1),
        Owner = r.GetString(2),
        Tags = r.GetFieldValue<string[]>(3),
        CurrentVersion = r.GetString(4),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(5),
        UpdatedAt = r.GetFieldValue<DateTimeOffset>(6),
    };

    private static FeatureSetVersion ReadVersion(NpgsqlDataReader r, int at)
    {
        var names = r.GetFieldValue<string[]>(at + 5);
        var versions = r.GetFieldValue<string[]>(at + 6);
        return new FeatureSetVersion
        {
            FeatureSetName = r.GetString(at),
            Version = r.GetString(at + 1),
            Changelog = r.IsDBNull(at + 2) ? null : r.GetString(at + 2),
            CreatedBy = r.GetString(at + 3),
            CreatedAt = r.GetFieldValue<DateTimeOffset>(at + 4),
            CreatedByKey = r.IsDBNull(at + 7) ? null : r.GetString(at + 7),
            Members = names.Zip(versions, (name, version) => new FeatureSetMember(name, version)).ToList(),
        };
    }
}
