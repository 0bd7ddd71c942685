using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Versions;

namespace Registry.Postgres;

/// <remarks>With a <see cref="FeatureDefinitionCache"/>, <see cref="GetForReadAsync"/> answers from memory (ADR 0016) and
/// every write here forgets what it changed once committed; without one, every read goes to PostgreSQL. With a
/// <see cref="FeatureCatalog"/> as well, filtered lists are answered from memory too (ADR 0044).</remarks>
public sealed partial class PostgresFeatureStore(NpgsqlDataSource dataSource, FeatureDefinitionCache? cache = null, FeatureCatalog? catalog = null)
    : IFeatureStore
{
    private const string Columns = """
        f.feature_name, f.current_version, f.feature_type, f.data_type, f.status, f.description, f.owner,
        f.tags, f.entity, f.transformation, f.validation_rules, f.duckdb_table, f.duckdb_view, f.usage_count,
        f.last_used_at, f.created_at, f.updated_at, f.deprecated_at, f.revision,
        ARRAY(SELECT u.upstream_name FROM feature_upstreams u WHERE u.feature_name = f.feature_name ORDER BY u.position) AS upstream,
        ARRAY(SELECT d.feature_name FROM feature_upstreams d WHERE d.upstream_name = f.feature_name ORDER BY d.feature_name) AS downstream,
        f.validation_policy
        """;

    public async Task<FeatureDefinition> CreateAsync(FeatureDefinition feature, FeatureVersion initialVersion, CancellationToken ct)
    {
        feature = feature with { DownstreamFeatures = [] };
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO features (feature_name, current_version, feature_type, data_type, status, description, owner, tags,
                    entity, transformation, validation_rules, duckdb_table, duckdb_view, usage_count, last_used_at,
                    created_at, updated_at, deprecated_at, revision, validation_policy)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
                """, connection, tx))
            {
                AddRow(insert, feature);
                await insert.ExecuteNonQueryAsync(ct);
            }
            await ReplaceUpstreamAsync(connection, tx, feature, ct);
            await InsertVersionAsync(connection, tx, initialVersion, ct);
            await RecordRevisionAsync(connection, tx, feature, ct);
            await tx.CommitAsync(ct);
            // The upstream features' answers list this one among their downstream features now.
            cache?.Forget([feature.FeatureName, .. feature.UpstreamFeatures]);
            return feature;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "features_pkey")
        {
            throw new ConflictException("The feature already exists.",
                $"A feature named '{feature.FeatureName}' already exists (names stay reserved after archiving).");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "features_duckdb_table_key")
        {
            throw new ConflictException("The DuckDB table belongs to another feature.",
                $"Another feature already stores its values in '{feature.DuckDbTable}'; two features in one table would mix their values.");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // An upstream feature vanished between the service's check and this insert.
            throw new RuleViolationException("Unknown upstream features.", $"An upstream feature of '{feature.FeatureName}' does not exist.");
        }
    }

    public async Task<FeatureDefinition?> GetAsync(string featureName, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM features f WHERE f.feature_name = $1");
        cmd.Parameters.Add(new() { Value = featureName });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public Task<FeatureDefinition?> GetForReadAsync(string featureName, CancellationToken ct) =>
        cache is null ? GetAsync(featureName, ct) : cache.GetAsync(featureName, GetAsync, ct);

    public async Task<FeaturePage> ListAsync(FeatureListQuery query, CancellationToken ct)
    {
        if (catalog is not null && cache is not null && await catalog.ListAsync(query, ct) is { } hit)
        {
            var page = await cache.GetManyAsync(hit.Names, LoadManyAsync, ct);
            // A definition that changed between the catalog's read and this one (its notification still on its way) would
            // not be what the filter asked for: then PostgreSQL answers, as one snapshot.
            if (page.Count == hit.Names.Count && page.All(f => FeatureCatalog.Matches(f, query))) return new FeaturePage(page, hit.Total);
        }

        var where = new List<string>();
        var parameters = new List<NpgsqlParameter>();
        void Filter(string condition, object value, NpgsqlDbType? type = null)
        {
            var p = type is { } t ? new NpgsqlParameter { Value = value, NpgsqlDbType = t } : new NpgsqlParameter { Value = value };
            parameters.Add(p);
            where.Add(condition.Replace("{p}", "$" + parameters.Count, StringComparison.Ordinal));
        }

        if (query.FeatureType is { } type) Filter("f.feature_type = {p}", StoredJson.Wire(type));
        // Archived features are history: listed only when asked for by status.
        if (query.Status is { } status) Filter("f.status = {p}", StoredJson.Wire(status));
        else where.Add("f.status <> 'archived'");
        if (query.Owner is { Length: > 0 } owner) Filter("f.owner = {p}", owner);
        if (query.Tags.Count > 0) Filter("f.tags @> {p}", query.Tags.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        if (query.Search is { Length: > 0 } search)
            Filter("(f.feature_name ILIKE {p} ESCAPE '\\' OR f.description ILIKE {p} ESCAPE '\\')", "%" + EscapeLike(search) + "%");

        var whereSql = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        // One round trip: the page and the total together.
        var sql = $"""
            SELECT {Columns}, count(*) OVER () AS total
            FROM features f {whereSql}
            ORDER BY f.feature_name COLLATE "C"
            OFFSET {query.Skip} LIMIT {query.Limit}
            """;
        await using var cmd = dataSource.CreateCommand(sql);
        cmd.Parameters.AddRange(parameters.ToArray());
        var items = new List<FeatureDefinition>();
        long total = -1;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                items.Add(Read(reader));
                total = reader.GetInt64(reader.FieldCount - 1);
            }
        }
        if (total < 0) total = query.Skip == 0 ? 0 : await CountAsync(whereSql, parameters, ct);
        return new FeaturePage(items, total);
    }

    private async Task<IReadOnlyList<FeatureDefinition>> LoadManyAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM features f WHERE f.feature_name = ANY ($1)");
        cmd.Parameters.Add(new() { Value = featureNames.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var result = new List<FeatureDefinition>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) result.Add(Read(reader));
        return result;
    }

    public async Task<FeatureDefinition?> UpdateAsync(FeatureDefinition feature, int expectedRevision, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await UpdateRowAsync(connection, tx, feature, expectedRevision, ct) is not { } changed) return null;
        await RecordRevisionAsync(connection, tx, feature, ct);
        await tx.CommitAsync(ct);
        cache?.Forget(changed);
        return feature;
    }

    /// <summary>
    /// The optimistic write: null when the row is no longer at <paramref name="expectedRevision"/>, else the names
    /// whose answers it changed (the feature, and the upstream features it was added to or removed from).
    /// </summary>
    private static async Task<IReadOnlyList<string>?> UpdateRowAsync(NpgsqlConnection connection, NpgsqlTransaction tx, FeatureDefinition feature,
        int expectedRevision, CancellationToken ct)
    {
        await using (var update = new NpgsqlCommand("""
            UPDATE features SET current_version = $2, feature_type = $3, data_type = $4, status = $5, description = $6,
                owner = $7, tags = $8, entity = $9, transformation = $10, validation_rules = $11, duckdb_table = $12,
                duckdb_view = $13, created_at = $14, updated_at = $15, deprecated_at = $16, revision = $17,
                validation_policy = $18
            WHERE feature_name = $1 AND revision = $19
            """, connection, tx))
        {
            // usage_count and last_used_at are not written here: usage recording increments them in place
            // without a revision, so writing back the values read earlier would lose concurrent increments.
            AddRow(update, feature, includeUsage: false);
            update.Parameters.Add(new() { Value = expectedRevision });
            if (await update.ExecuteNonQueryAsync(ct) == 0) return null;
        }
        return [feature.FeatureName, .. await ReplaceUpstreamAsync(connection, tx, feature, ct)];
    }

    public async Task<IReadOnlyDictionary<string, FeatureStatus>> GetStatusesAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT feature_name, status FROM features WHERE feature_name = ANY($1)");
        cmd.Parameters.Add(new() { Value = featureNames.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var result = new Dictionary<string, FeatureStatus>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) result[reader.GetString(0)] = StoredJson.Parse<FeatureStatus>(reader.GetString(1));
        return result;
    }

    public async Task<IReadOnlyList<FeatureSummary>> GetDirectDownstreamAsync(string featureName, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT f.feature_name, f.status, f.owner, f.current_version
            FROM feature_upstreams u JOIN features f ON f.feature_name = u.feature_name
            WHERE u.upstream_name = $1
            ORDER BY f.feature_name
            """);
        cmd.Parameters.Add(new() { Value = featureName });
        var result = new List<FeatureSummary>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result.Add(new(reader.GetString(0), StoredJson.Parse<FeatureStatus>(reader.GetString(1)), reader.GetString(2), reader.GetString(3)));
        return result;
    }

    private async Task<long> CountAsync(string whereSql, List<NpgsqlParameter> parameters, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT count(*) FROM features f {whereSql}");
        cmd.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    // Fixed key shared by every instance: lineage edits are serialized so that two concurrent changes cannot
    // each add one half of a cycle (A -> B and B -> A) after both passed the service's check.
    private const long LineageLockKey = 0x4C69_6E65_6167_65; // "Lineage"

    /// <summary>
    /// Writes the feature's upstream list; returns the upstream features whose downstream lists changed (the old ones and
    /// the new ones), none when the list stays as it was.
    /// </summary>
    private static async Task<string[]> ReplaceUpstreamAsync(NpgsqlConnection connection, NpgsqlTransaction tx, FeatureDefinition feature, CancellationToken ct)
    {
        string[] existing;
        await using (var current = new NpgsqlCommand(
            "SELECT ARRAY(SELECT upstream_name FROM feature_upstreams WHERE feature_name = $1 ORDER BY position)", connection, tx))
        {
            current.Parameters.Add(new() { Value = feature.FeatureName });
            existing = (string[])(await current.ExecuteScalarAsync(ct))!;
            if (existing.SequenceEqual(feature.UpstreamFeatures)) return [];
        }

        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LineageLockKey})", connection, tx))
            await lockCmd.ExecuteNonQueryAsync(ct);
        await using (var cmd = new NpgsqlCommand("DELETE FROM feature_upstreams WHERE feature_name = $1", connection, tx))
        {
            cmd.Parameters.Add(new() { Value = feature.FeatureName });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        string[] changed = [.. existing.Union(feature.UpstreamFeatures, StringComparer.Ordinal)];
        if (feature.UpstreamFeatures.Count == 0) return changed;
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO feature_upstreams (feature_name, upstream_name, position)
            SELECT $1, name, ordinality FROM unnest($2::text[]) WITH ORDINALITY AS t (name, ordinality)
            """, connection, tx))
        {
            insert.Parameters.Add(new() { Value = feature.FeatureName });
            insert.Parameters.Add(new() { Value = feature.UpstreamFeatures.ToArray() });
            await insert.ExecuteNonQueryAsync(ct);
        }

        // Under the lock, the graph seen here is final: refuse the write if it now has a cycle through this feature.
        // Reachability first: UNION over names visits each feature once, so the common case stays linear in the graph.
        await using (var reach = new NpgsqlCommand("""
            WITH RECURSIVE reach (name) AS (
                SELECT upstream_name FROM feature_upstreams WHERE feature_name = $1
                UNION
                SELECT u.upstream_name FROM reach r JOIN feature_upstreams u ON u.feature_name = r.name WHERE r.name <> $1
            )
            SELECT EXISTS (SELECT 1 FROM reach WHERE name = $1)
            """, connection, tx))
        {
            reach.Parameters.Add(new() { Value = feature.FeatureName });
            if (await reach.ExecuteScalarAsync(ct) is not true) return changed;
        }

        // Only a write that is refused pays for naming the cycle: the shortest path back to the feature.
        await using var path = new NpgsqlCommand("""
            WITH RECURSIVE walk (name, path) AS (
                SELECT u.upstream_name, ARRAY[$1::text, u.upstream_name] FROM feature_upstreams u WHERE u.feature_name = $1
                UNION ALL
                SELECT u.upstream_name, w.path || u.upstream_name
                FROM walk w JOIN feature_upstreams u ON u.feature_name = w.name
                WHERE NOT u.upstream_name = ANY (w.path[2:]) AND w.name <> $1
            )
            SELECT path FROM walk WHERE name = $1 ORDER BY cardinality(path) LIMIT 1
            """, connection, tx);
        path.Parameters.Add(new() { Value = feature.FeatureName });
        var cycle = (string[])(await path.ExecuteScalarAsync(ct))!;
        throw new RuleViolationException("Dependency cycle.",
            $"This change to '{feature.FeatureName}' would close a cycle: {string.Join(" -> ", cycle)}.")
        {
            Extensions = new Dictionary<string, object?> { ["cycle"] = cycle },
        };
    }

    private static async Task RecordRevisionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, FeatureDefinition feature, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO feature_revisions (feature_name, revision, recorded_at, document) VALUES ($1, $2, $3, $4)", connection, tx);
        cmd.Parameters.Add(new() { Value = feature.FeatureName });
        cmd.Parameters.Add(new() { Value = feature.Revision });
        cmd.Parameters.Add(new() { Value = feature.UpdatedAt });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(feature, StoredJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void AddRow(NpgsqlCommand cmd, FeatureDefinition f, bool includeUsage = true)
    {
        object Nullable(object? value) => value ?? DBNull.Value;
        cmd.Parameters.Add(new() { Value = f.FeatureName });
        cmd.Parameters.Add(new() { Value = f.CurrentVersion });
        cmd.Parameters.Add(new() { Value = StoredJson.Wire(f.FeatureType) });
        cmd.Parameters.Add(new() { Value = StoredJson.Wire(f.DataType) });
        cmd.Parameters.Add(new() { Value = StoredJson.Wire(f.Status) });
        cmd.Parameters.Add(new() { Value = Nullable(f.Description), NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = f.Owner });
        cmd.Parameters.Add(new() { Value = f.Tags.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = f.Entity });
        cmd.Parameters.Add(new()
        {
            Value = f.Transformation is null ? DBNull.Value : JsonSerializer.Serialize(f.Transformation, StoredJson.Options),
            NpgsqlDbType = NpgsqlDbType.Json,
        });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(f.ValidationRules, StoredJson.Options), NpgsqlDbType = NpgsqlDbType.Json });
        cmd.Parameters.Add(new() { Value = Nullable(f.DuckDbTable), NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = Nullable(f.DuckDbView), NpgsqlDbType = NpgsqlDbType.Text });
        if (includeUsage)
        {
            cmd.Parameters.Add(new() { Value = f.UsageCount });
            cmd.Parameters.Add(new() { Value = Nullable(f.LastUsedAt), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        }
        cmd.Parameters.Add(new() { Value = f.CreatedAt });
        cmd.Parameters.Add(new() { Value = f.UpdatedAt });
        cmd.Parameters.Add(new() { Value = Nullable(f.DeprecatedAt), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = f.Revision });
        cmd.Parameters.Add(new() { Value = StoredJson.Wire(f.ValidationPolicy) });
    }

    private static FeatureDefinition Read(NpgsqlDataReader r) => new()
    {
        FeatureName = r.GetString(0),
        CurrentVersion = r.GetString(1),
        FeatureType = StoredJson.Parse<FeatureType>(r.GetString(2)),
        DataType = StoredJson.Parse<DataType>(r.GetString(3)),
        Status = StoredJson.Parse<FeatureStatus>(r.GetString(4)),
        Description = r.IsDBNull(5) ? null : r.GetString(5),
        Owner = r.GetString(6),
        Tags = r.GetFieldValue<string[]>(7),
        Entity = r.GetString(8),
        Transformation = r.IsDBNull(9) ? null : JsonSerializer.Deserialize<Transformation>(r.GetString(9), StoredJson.Options),
        ValidationRules = JsonSerializer.Deserialize<List<ValidationRule>>(r.GetString(10), StoredJson.Options) ?? [],
        DuckDbTable = r.IsDBNull(11) ? null : r.GetString(11),
        DuckDbView = r.IsDBNull(12) ? null : r.GetString(12),
        UsageCount = r.GetInt64(13),
        LastUsedAt = r.IsDBNull(14) ? null : r.GetFieldValue<DateTimeOffset>(14),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(15),
        UpdatedAt = r.GetFieldValue<DateTimeOffset>(16),
        DeprecatedAt = r.IsDBNull(17) ? null : r.GetFieldValue<DateTimeOffset>(17),
        Revision = r.GetInt32(18),
        UpstreamFeatures = r.GetFieldValue<string[]>(19),
        DownstreamFeatures = r.GetFieldValue<string[]>(20),
        ValidationPolicy = StoredJson.Parse<ValidationPolicy>(r.GetString(21)),
    };

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
