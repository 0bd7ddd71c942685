using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Registry.Postgres;
using Registry.Postgres.LocalCluster;

namespace Registry.Benchmarks;

/// <summary>Server-side time of one statement (EXPLAIN ANALYZE without per-node timing), medians in ms.</summary>
internal sealed record ServerTime(double Planning, double Execution);

/// <summary>Server-side times of the statements behind the cases: where the time goes.</summary>
internal sealed record ServerTimes(ServerTime WalkUp, ServerTime WalkDown, ServerTime WalkDownImpact, ServerTime Models, int ImpactFeatures);

internal sealed record LineageRun(BenchmarkOptions Options, SeededGraph Graph, string PostgresVersion, IReadOnlyList<CaseResult> Cases, ServerTimes Server);

/// <summary>Issue 4: recursive lineage and impact over a 10,000-node graph, through the API and as raw SQL, in one run.</summary>
internal static class LineageBenchmark
{
    /// <summary>Runs on a database of its own in <paramref name="cluster"/>, which outlives the API started here.</summary>
    public static async Task<LineageRun> RunAsync(BenchmarkOptions options, LocalPostgresCluster cluster, CancellationToken ct)
    {
        await cluster.EnsureDatabaseAsync("registry_bench", ct);
        var connectionString = cluster.ConnectionString("registry_bench");

        await using var factory = new BenchmarkApiFactory(connectionString);
        using var client = factory.CreateClient(); // starts the API; its hosted service applies the migrations
        await using var dataSource = NpgsqlDataSource.Create(connectionString);

        Log($"seeding {options.Features:N0} features in {options.Layers} layers and {options.UsageRows:N0} usage rows");
        var graph = await GraphSeeder.SeedAsync(dataSource, options, ct);
        Log($"seeded {graph.Edges:N0} edges, {graph.UsageRows:N0} usage rows in {graph.Elapsed.TotalSeconds:F1} s");

        var depth = BenchmarkOptions.Depth;
        var cases = new List<CaseResult>
        {
            await HttpCaseAsync(client, options, "a", "lineage, upstream", $"/api/v1/features/{graph.Bottom}/lineage?recursive=true&direction=upstream&depth={depth}", DescribeLineage, ct),
            await HttpCaseAsync(client, options, "b", "lineage, downstream", $"/api/v1/features/{graph.Top}/lineage?recursive=true&direction=downstream&depth={depth}", DescribeLineage, ct),
            await HttpCaseAsync(client, options, "c", "impact", $"/api/v1/features/{graph.Top}/impact", DescribeImpact, ct),
            await RawWalkCaseAsync(dataSource, options, graph.Bottom, depth, ct),
        };

        var server = await ServerTimesAsync(dataSource, graph, depth, ct);
        await using var version = dataSource.CreateCommand("SHOW server_version");
        var postgresVersion = (string)(await version.ExecuteScalarAsync(ct))!;
        return new LineageRun(options, graph, postgresVersion, cases, server);
    }

    private static async Task<CaseResult> HttpCaseAsync(HttpClient client, BenchmarkOptions options, string id, string title, string url,
        Func<JsonElement, string> describe, CancellationToken ct)
    {
        Log($"({id}) GET {url}");
        var (millis, body) = await Measurement.TimeAsync(options.Warmup, options.Iterations, async () =>
        {
            using var response = await client.GetAsync(url, ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
            return bytes;
        });
        using var json = JsonDocument.Parse(body);
        return CaseResult.From(id, title, $"`GET {url}`", millis, describe(json.RootElement), body.LongLength);
    }

    private static string DescribeLineage(JsonElement root) =>
        Invariant($"{root.GetProperty("nodes").GetArrayLength()} nodes, {root.GetProperty("edges").GetArrayLength()} edges");

    private static string DescribeImpact(JsonElement root) =>
        Invariant($"{root.GetProperty("downstream_features").GetArrayLength()} downstream, {root.GetProperty("models").GetArrayLength()} model rows");

    /// <summary>(d) the floor: the walk of (a) alone, straight through Npgsql, on a pooled connection as the store does.</summary>
    private static async Task<CaseResult> RawWalkCaseAsync(NpgsqlDataSource dataSource, BenchmarkOptions options, string root, int depth, CancellationToken ct)
    {
        Log($"(d) raw SQL walk of {root}, upstream depth {depth}");
        var (millis, rows) = await Measurement.TimeAsync(options.Warmup, options.Iterations, async () => (await WalkAsync(dataSource, root, depth, 0, ct)).Count);
        return CaseResult.From("d", "raw SQL floor of (a)", Invariant($"recursive CTE of `PostgresLineageStore.WalkAsync`, `$2 = {depth}, $3 = 0`"),
            millis, Invariant($"{rows} nodes"), null);
    }

    /// <summary>Runs the walk and reads every column, as the store does; returns the names reached.</summary>
    private static async Task<List<string>> WalkAsync(NpgsqlDataSource dataSource, string root, int up, int down, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(PostgresLineageStore.WalkSql, connection);
        cmd.Parameters.Add(new() { Value = root });
        cmd.Parameters.Add(new() { Value = up });
        cmd.Parameters.Add(new() { Value = down });
        var names = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            names.Add(reader.GetString(0));
            _ = (reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetString(5));
        }
        return names;
    }

    private static async Task<ServerTimes> ServerTimesAsync(NpgsqlDataSource dataSource, SeededGraph graph, int depth, CancellationToken ct)
    {
        var affected = (await WalkAsync(dataSource, graph.Top, 0, 100, ct)).Prepend(graph.Top).ToArray();
        return new ServerTimes(
            await ExplainAsync(dataSource, PostgresLineageStore.WalkSql, () => WalkParameters(graph.Bottom, depth, 0), ct),
            await ExplainAsync(dataSource, PostgresLineageStore.WalkSql, () => WalkParameters(graph.Top, 0, depth), ct),
            await ExplainAsync(dataSource, PostgresLineageStore.WalkSql, () => WalkParameters(graph.Top, 0, 100), ct),
            await ExplainAsync(dataSource, PostgresLineageStore.ModelsSql, () =>
            [
                new() { Value = affected, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                new() { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            ], ct),
            affected.Length);
    }

    private static NpgsqlParameter[] WalkParameters(string root, int up, int down) => [new() { Value = root }, new() { Value = up }, new() { Value = down }];

    /// <summary>Medians of "Planning Time" and "Execution Time" over five EXPLAIN ANALYZE runs (TIMING OFF: no per-node clock overhead).</summary>
    private static async Task<ServerTime> ExplainAsync(NpgsqlDataSource dataSource, string sql, Func<NpgsqlParameter[]> parameters, CancellationToken ct)
    {
        var planning = new double[5];
        var execution = new double[5];
        for (var i = 0; i < execution.Length; i++)
        {
            await using var cmd = dataSource.CreateCommand("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY, FORMAT JSON) " + sql);
            cmd.Parameters.AddRange(parameters());
            using var plan = JsonDocument.Parse((string)(await cmd.ExecuteScalarAsync(ct))!);
            planning[i] = plan.RootElement[0].GetProperty("Planning Time").GetDouble();
            execution[i] = plan.RootElement[0].GetProperty("Execution Time").GetDouble();
        }
        Array.Sort(planning);
        Array.Sort(execution);
        return new ServerTime(planning[2], execution[2]);
    }

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);

    public static void Log(string message) => Console.Error.WriteLine($"[bench] {message}");
}
