using Npgsql;
using NpgsqlTypes;
using Registry.Core.Features;
using Registry.Core.Lineage;

namespace Registry.Postgres;

/// <remarks>With a <see cref="FeatureCatalog"/>, walks and edges are answered from memory once it is loaded (ADR 0044); the
/// statements below answer while it loads or when the change listener is down, and are the reference it is tested against.</remarks>
public sealed class PostgresLineageStore(NpgsqlDataSource dataSource, FeatureCatalog? catalog = null) : ILineageStore
{
    /// <summary>
    /// $1 root, $2 upstream depth, $3 downstream depth. Two bounded breadth-first walks over the one edge table.
    /// UNION (not ALL) drops repeated (name, depth) pairs, so diamonds stay cheap; min(depth) keeps each node at its
    /// shortest distance. The graph is acyclic (checked on every write) and the depth bound guarantees termination anyway.
    /// The LATERAL lookup (OFFSET 0 keeps it from being flattened) reads each reached feature by its key; a plain join
    /// let the planner hash-scan all features, a cost that grew with the registry, not the lineage.
    /// Public so the benchmark's raw floor runs exactly this statement.
    /// </summary>
    public const string WalkSql = """
        WITH RECURSIVE
        up (name, depth) AS (
            SELECT upstream_name, 1 FROM feature_upstreams WHERE feature_name = $1 AND $2 >= 1
            UNION
            SELECT u.upstream_name, up.depth + 1 FROM up JOIN feature_upstreams u ON u.feature_name = up.name WHERE up.depth < $2
        ),
        down (name, depth) AS (
            SELECT feature_name, 1 FROM feature_upstreams WHERE upstream_name = $1 AND $3 >= 1
            UNION
            SELECT d.feature_name, down.depth + 1 FROM down JOIN feature_upstreams d ON d.upstream_name = down.name WHERE down.depth < $3
        ),
        reached (name, depth, direction) AS (
            SELECT name, min(depth), 'upstream' FROM up GROUP BY name
            UNION ALL
            SELECT name, min(depth), 'downstream' FROM down GROUP BY name
        )
        SELECT r.name, f.status, f.owner, f.current_version, r.depth, r.direction
        FROM reached r CROSS JOIN LATERAL (SELECT status, owner, current_version FROM features f WHERE f.feature_name = r.name OFFSET 0) f
        ORDER BY r.direction DESC, r.depth, r.name COLLATE "C"
        """;

    /// <summary>$1 feature names: the edges among them.</summary>
    public const string EdgesSql = """
        SELECT upstream_name, feature_name FROM feature_upstreams
        WHERE feature_name = ANY ($1) AND upstream_name = ANY ($1)
        ORDER BY upstream_name COLLATE "C", feature_name COLLATE "C"
        """;

    /// <summary>$1 feature names, $2 since (or null), $3 environment (or null).</summary>
    public const string ModelsSql = """
        SELECT used_by_model, model_version, environment, max(usage_timestamp), count(*),
               array_agg(DISTINCT feature_name ORDER BY feature_name)
        FROM feature_usage
        WHERE feature_name = ANY ($1) AND ($2::timestamptz IS NULL OR usage_timestamp >= $2) AND ($3::text IS NULL OR environment = $3)
        GROUP BY used_by_model, model_version, environment
        ORDER BY max(usage_timestamp) DESC, used_by_model, model_version
        """;

    /// <summary>$1 feature names: the feature-set versions that have any of them among their members.</summary>
    public const string FeatureSetsSql = """
        SELECT m.feature_set_name, v.version, v.version = s.current_version, m.feature_name, m.feature_version
        FROM feature_set_members m
        JOIN feature_set_versions v ON v.feature_set_name = m.feature_set_name AND v.version_key = m.version_key
        JOIN feature_sets s ON s.feature_set_name = m.feature_set_name
        WHERE m.feature_name = ANY ($1)
        """;

    public async Task<IReadOnlyList<LineageNode>> WalkAsync(string featureName, int upstreamDepth, int downstreamDepth, CancellationToken ct) =>
        catalog is not null && await catalog.WalkAsync(featureName, upstreamDepth, downstreamDepth, ct) is { } nodes
            ? nodes
            : await WalkInDatabaseAsync(featureName, upstreamDepth, downstreamDepth, ct);

    /// <summary>The walk as one statement (<see cref="WalkSql"/>), whatever the catalog holds.</summary>
    public async Task<IReadOnlyList<LineageNode>> WalkInDatabaseAsync(string featureName, int upstreamDepth, int downstreamDepth, CancellationToken ct)
    {
        await using var walk = dataSource.CreateCommand(WalkSql);
        walk.Parameters.Add(new() { Value = featureName });
        walk.Parameters.Add(new() { Value = upstreamDepth });
        walk.Parameters.Add(new() { Value = downstreamDepth });
        var nodes = new List<LineageNode>();
        await using var reader = await walk.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            nodes.Add(new LineageNode(reader.GetString(0), StoredJson.Parse<FeatureStatus>(reader.GetString(1)), reader.GetString(2),
                reader.GetString(3), reader.GetInt32(4),
                reader.GetString(5) == "upstream" ? LineageSide.Upstream : LineageSide.Downstream));
        }
        return nodes;
    }

    public async Task<IReadOnlyList<LineageEdge>> GetEdgesAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct) =>
        catalog is not null && await catalog.EdgesAsync(featureNames, ct) is { } edges
            ? edges
            : await GetEdgesInDatabaseAsync(featureNames, ct);

    /// <summary>The edges as one statement (<see cref="EdgesSql"/>), whatever the catalog holds.</summary>
    public async Task<IReadOnlyList<LineageEdge>> GetEdgesInDatabaseAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(EdgesSql);
        cmd.Parameters.Add(new() { Value = featureNames.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var edges = new List<LineageEdge>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) edges.Add(new LineageEdge(reader.GetString(0), reader.GetString(1)));
        return edges;
    }

    public async Task<IReadOnlyList<ModelUsage>> GetModelsAsync(IReadOnlyCollection<string> featureNames, DateTimeOffset? since,
        string? environment, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(ModelsSql);
        cmd.Parameters.Add(new() { Value = featureNames.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)since ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = (object?)environment ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var result = new List<ModelUsage>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new ModelUsage(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetInt64(4), reader.GetFieldValue<string[]>(5)));
        }
        return result;
    }

    public async Task<IReadOnlyList<FeatureSetUse>> GetFeatureSetsAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(FeatureSetsSql);
        cmd.Parameters.Add(new() { Value = featureNames.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var result = new List<FeatureSetUse>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result.Add(new FeatureSetUse(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetString(3), reader.GetString(4)));
        return result;
    }
}
