using System.Diagnostics;
using Npgsql;

namespace Registry.Benchmarks;

/// <summary>What was seeded, for the report.</summary>
internal sealed record SeededGraph(int Features, int Layers, int Width, long Edges, long UsageRows, int Models, TimeSpan Elapsed)
{
    /// <summary>A deepest-layer feature: the root of the upstream walk.</summary>
    public string Bottom => GraphSeeder.Name(Layers - 1, Width / 2);

    /// <summary>A first-layer feature: the root of the downstream walk and of impact.</summary>
    public string Top => GraphSeeder.Name(0, Width / 2);
}

/// <summary>
/// Seeds a layered DAG with set-based SQL: <c>layers × width</c> features named bench_l{layer}_{i}; each feature of
/// layer k ≥ 1 reads features i and (i+1) mod width of layer k−1, and every tenth also (i + width/2) mod width, which
/// makes diamonds and a second front. Usage rows are spread evenly over the features.
/// Names are lower-case: features.feature_name is checked against ^[a-z0-9_]{3,100}$.
/// </summary>
internal static class GraphSeeder
{
    public const int Models = 50;

    public static string Name(int layer, int index) => FormattableString.Invariant($"bench_l{layer}_{index}");

    public static async Task<SeededGraph> SeedAsync(NpgsqlDataSource dataSource, BenchmarkOptions options, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var layers = options.Layers;
        var width = options.Width;
        if (width < 4) throw new ArgumentException("At least 4 features per layer are needed for distinct upstreams.", nameof(options));

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            await ExecuteAsync(connection, tx, """
                INSERT INTO features (feature_name, current_version, feature_type, data_type, status, description, owner, tags, entity,
                                      created_at, updated_at, revision)
                SELECT format('bench_l%s_%s', l, i), '1.0.0', 'derived', 'float', 'active', 'Benchmark feature.', 'bench', '{bench}',
                       'entity_id', now(), now(), 1
                FROM generate_series(0, $1 - 1) AS l, generate_series(0, $2 - 1) AS i
                """, ct, layers, width);

            await ExecuteAsync(connection, tx, """
                INSERT INTO feature_upstreams (feature_name, upstream_name, position)
                SELECT format('bench_l%s_%s', l, i), format('bench_l%s_%s', l - 1, u.idx), u.pos
                FROM generate_series(1, $1 - 1) AS l, generate_series(0, $2 - 1) AS i,
                     LATERAL (VALUES (i, 1), ((i + 1) % $2, 2), (CASE WHEN i % 10 = 0 THEN (i + $2 / 2) % $2 END, 3)) AS u (idx, pos)
                WHERE u.idx IS NOT NULL
                """, ct, layers, width);

            // Deterministic: row g goes to feature g mod N, model g mod 50, environment cycling, within the last 60 days.
            await ExecuteAsync(connection, tx, """
                INSERT INTO feature_usage (feature_name, feature_version, used_by_model, model_version, environment, feature_importance,
                                           execution_id, execution_duration_ms, usage_timestamp, recorded_at)
                SELECT format('bench_l%s_%s', (g % ($1 * $2)) / $2, (g % ($1 * $2)) % $2), '1.0.0',
                       'model_' || (g % $4), 'v' || ((g / $4) % 3 + 1),
                       (ARRAY['dev', 'staging', 'production'])[(g % 3)::int + 1],
                       ((g * 7919) % 1000) / 1000.0, 'run_' || (g / 100), ((g * 104729) % 5000) / 10.0,
                       now() - ((g * 2654435761) % (60 * 86400)) * interval '1 second', now()
                FROM generate_series(0, $3 - 1) AS s (n), LATERAL (SELECT n::bigint AS g) AS b
                """, ct, layers, width, options.UsageRows, Models);

            await tx.CommitAsync(ct);
        }

        await ExecuteAsync(connection, null, "ANALYZE", ct);
        await using var counts = new NpgsqlCommand("SELECT (SELECT count(*) FROM feature_upstreams), (SELECT count(*) FROM feature_usage)", connection);
        await using var reader = await counts.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new SeededGraph(layers * width, layers, width, reader.GetInt64(0), reader.GetInt64(1), Models, clock.Elapsed);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct, params int[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx) { CommandTimeout = 600 };
        foreach (var arg in args) cmd.Parameters.Add(new() { Value = arg });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
