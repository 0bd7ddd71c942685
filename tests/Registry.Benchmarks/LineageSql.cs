namespace Registry.Benchmarks;

/// <summary>
/// The SQL of PostgresLineageStore, copied (it is private there): the raw floor runs exactly what the API runs.
/// Keep in step with backend/src/Registry.Postgres/PostgresLineageStore.cs.
/// </summary>
internal static class LineageSql
{
    /// <summary>PostgresLineageStore.WalkAsync: $1 root, $2 upstream depth, $3 downstream depth.</summary>
    public const string Walk = """
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
        ORDER BY r.direction DESC, r.depth, r.name
        """;

    /// <summary>PostgresLineageStore.GetModelsAsync: $1 feature names, $2 since, $3 environment.</summary>
    public const string Models = """
        SELECT used_by_model, model_version, environment, max(usage_timestamp), count(*),
               array_agg(DISTINCT feature_name ORDER BY feature_name)
        FROM feature_usage
        WHERE feature_name = ANY ($1) AND ($2::timestamptz IS NULL OR usage_timestamp >= $2) AND ($3::text IS NULL OR environment = $3)
        GROUP BY used_by_model, model_version, environment
        ORDER BY max(usage_timestamp) DESC, used_by_model, model_version
        """;
}
