using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Registry.Redis;
using Registry.Redis.LocalServer;
using StackExchange.Redis;

namespace Registry.Benchmarks;

/// <summary>The online store's cases: the replica's answers from Redis, the owner's in-process answers, and raw MGETs of the same keys.</summary>
internal sealed record OnlineStoreRun(IReadOnlyList<HttpCase> Replica, IReadOnlyList<HttpCase> Owner, IReadOnlyList<HttpCase> Raw,
    IReadOnlyList<HttpCase> Sequential, int WideEntities, int WideMembers, double BackfillSeconds, long BackfillKeys)
{
    public HttpCase? SequentialOf(string id) => Sequential.FirstOrDefault(c => c.Id == id);
}

/// <summary>
/// Issue 19's cases (ADR 0034-0036): after the in-process cases, the API is restarted as the values owner with the
/// online store on (a redis-server of the harness's own, filled by the owner's backfill from the same DuckDB file), a
/// replica with no values file is started beside it, and online vectors (1 × 10, and the wide shape 100 × 50) and
/// latest values are driven by wrk against the replica and against the owner, next to StackExchange.Redis MGETs of the
/// same keys from the harness's process (the floor: what any Redis-backed server must at least spend).
/// </summary>
internal static class OnlineStoreCases
{
    public const string Prefix = "fr:";

    public static async Task<OnlineStoreRun> RunAsync(HarnessOptions options, string connectionString, string valuesPath, Dataset data, string folder,
        CancellationToken ct)
    {
        var shape = data.Shape;
        var concurrencies = options.Smoke ? options.Http.Concurrencies : [1, 32];
        await using var redis = await LocalRedisServer.StartAsync(Path.Combine(folder, "redis"), ct: ct);
        Harness.Log($"redis-server on port {redis.Port}; restarting the API as the values owner with the online store on");
        var online = new Dictionary<string, string> { ["OnlineStore__Redis"] = redis.Configuration, ["OnlineStore__KeyPrefix"] = Prefix };
        await using var owner = await ApiProcess.StartAsync(connectionString, valuesPath, ct, online);
        using var ownerClient = owner.CreateClient();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var backfill = await WaitCompleteAsync(ownerClient, ct);
        var backfillSeconds = clock.Elapsed.TotalSeconds;
        var keys = backfill.GetProperty("backfill").GetProperty("keys_written").GetInt64();
        Harness.Log(FormattableString.Invariant($"owner backfilled Redis: {keys:N0} keys in {backfillSeconds:F1} s"));

        // The wide set: 50 features with values (fewer in a smoke run), read for 100 entities that all have values.
        var members = Math.Min(50, shape.ValueFeatures);
        var entities = Math.Min(100, shape.LightEntities);
        const string wide = "bench_wide";
        using (var response = await ownerClient.PostAsJsonAsync("api/v1/feature-sets", new
               {
                   feature_set_name = wide, owner = "bench", description = "The wide online shape (performance harness).",
                   members = Enumerable.Range(0, members).Select(m => new { feature_name = Generator.Name(0, m), feature_version = "1.0.0" }),
               }, ct))
        {
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"creating {wide} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        var replicaValues = Directory.CreateDirectory(Path.Combine(folder, "replica")).FullName;
        await using var replica = await ApiProcess.StartAsync(connectionString, Path.Combine(replicaValues, "unused.duckdb"), ct,
            new Dictionary<string, string>(online) { ["DuckDb__Enabled"] = "false" });
        Harness.Log($"replica (pid {replica.Pid}) on {replica.BaseAddress}, no values file");

        string Write(string name, IEnumerable<string> lines)
        {
            var path = Path.Combine(folder, name);
            File.WriteAllLines(path, lines);
            return path;
        }
        var entityList = Enumerable.Range(0, entities).Select(Generator.Entity).ToList();
        var paths = new (string Id, string Title, string File, List<string[]> Keys)[]
        {
            ("online", "online vector, 1 entity × 10 features",
                Write("redis-online.txt", Enumerable.Range(0, 1000).Select(i =>
                    $"/api/v1/feature-sets/{data.FeatureSets[i % data.FeatureSets.Count]}/versions/1.0.0/online?entity_id={Generator.Entity(i * 7 % shape.LightEntities)}")),
                [.. Enumerable.Range(0, 1000).Select(i => SetKeys(data, i % data.FeatureSets.Count, [Generator.Entity(i * 7 % shape.LightEntities)]))]),
            ("online_wide", FormattableString.Invariant($"online vector, {entities} entities × {members} features"),
                Write("redis-wide.txt", [$"/api/v1/feature-sets/{wide}/versions/1.0.0/online?" + string.Join("&", entityList.Select(e => $"entity_id={e}"))]),
                [[.. entityList.SelectMany(e => Enumerable.Range(0, members).Select(m => Key(Generator.Name(0, m), e))), Prefix + "complete"]]),
            ("latest", "latest value, 1 entity",
                Write("redis-latest.txt", Enumerable.Range(0, 1000).Select(i =>
                    $"/api/v1/features/{data.ValueFeatures[i % data.ValueFeatures.Count]}/values/latest?entity_id={Generator.Entity(i * 7 % shape.LightEntities)}")),
                [.. Enumerable.Range(0, 1000).Select(i => new[]
                {
                    Key(data.ValueFeatures[i % data.ValueFeatures.Count], Generator.Entity(i * 7 % shape.LightEntities)), Prefix + "complete",
                })]),
        };

        // The answers must agree before they are timed.
        foreach (var (id, _, file, _) in paths)
        {
            var first = File.ReadLines(file).First().TrimStart('/');
            using var replicaClient = replica.CreateClient();
            var a = Timeless(await replicaClient.GetStringAsync(first, ct));
            var b = Timeless(await ownerClient.GetStringAsync(first, ct));
            if (a != b) throw new InvalidOperationException($"({id}) the replica's answer differs from the owner's:\n{a}\n{b}");
        }

        var replicaCases = new List<HttpCase>();
        var ownerCases = new List<HttpCase>();
        var rawCases = new List<HttpCase>();
        using var mux = RedisOnlineStore.Connect(redis.Configuration);
        var db = mux.GetDatabase();
        foreach (var (id, title, file, keySets) in paths)
        {
            var request = new WrkRequest("/", file);
            var onReplica = new List<LoadResult>();
            var onOwner = new List<LoadResult>();
            var raw = new List<LoadResult>();
            foreach (var c in concurrencies)
            {
                onReplica.Add(await MeasureAsync($"redis_{id}", replica, request, c, options, ct));
                onOwner.Add(await MeasureAsync($"owner_{id}", owner, request, c, options, ct));
                var r = await RawLoad.RunAsync($"raw_mget_{id}", c, options.Http.WarmupSeconds, options.Http.Seconds, async (n, _) =>
                {
                    var values = await db.StringGetAsync(Array.ConvertAll(keySets[(int)(n % keySets.Count)], k => (RedisKey)k));
                    if (values[^1].IsNull) throw new InvalidOperationException("the completeness mark is missing");
                }, ct);
                Harness.Log(FormattableString.Invariant($"(raw_mget_{id}) c={c}: {r.Throughput:N0} op/s, p50 {r.P50Ms:F2} ms, p99 {r.P99Ms:F2} ms"));
                raw.Add(r);
            }
            replicaCases.Add(new HttpCase($"redis_{id}", title, $"replica, from Redis: `{File.ReadLines(file).First()[..Math.Min(90, File.ReadLines(file).First().Length)]}…`", onReplica));
            ownerCases.Add(new HttpCase($"owner_{id}", title, "the owner, in process (DuckDB and its exact cache), same paths", onOwner));
            rawCases.Add(new HttpCase($"raw_mget_{id}", title, $"`MGET` of the same {keySets[0].Length - 1:N0} key(s) and the completeness mark, StackExchange.Redis in the harness", raw));
        }

        var sequential = new List<HttpCase>();
        foreach (var (id, title, file, _) in paths.Where(p => p.Id != "latest"))
        {
            var lines = File.ReadLines(file).Where(l => l.Length > 0).ToList();
            var r = await SequentialProbe.RunAsync($"redis_{id}", replica, lines, options.Http.WarmupSeconds, options.Http.Seconds, ct);
            Harness.Log(FormattableString.Invariant($"(redis_{id}) sequential: {r.Throughput:N0} req/s, p50 {r.P50Ms:F3} ms, p99 {r.P99Ms:F3} ms"));
            sequential.Add(new HttpCase($"redis_{id}", title, "replica", [r]));
        }
        {
            // The replica remembers values under each feature's generation token (ADR 0055); here every member's token is
            // replaced before each request, as a write to all 50 would, so every value is read from Redis again.
            var (id, title, file, _) = paths.Single(p => p.Id == "online_wide");
            var tokens = Enumerable.Range(0, members).Select(m => (RedisKey)$"{Prefix}g:{Generator.Name(0, m)}").ToArray();
            var r = await SequentialProbe.RunAsync($"redis_{id}_changed", replica, [File.ReadLines(file).First()], options.Http.WarmupSeconds,
                options.Http.Seconds, ct, async () =>
                {
                    var token = Guid.NewGuid().ToString("N");
                    await db.StringSetAsync(Array.ConvertAll(tokens, k => new KeyValuePair<RedisKey, RedisValue>(k, token)));
                });
            Harness.Log(FormattableString.Invariant($"(redis_{id}_changed) sequential: {r.Throughput:N0} req/s, p50 {r.P50Ms:F3} ms, p99 {r.P99Ms:F3} ms"));
            sequential.Add(new HttpCase($"redis_{id}_changed", title + ", every member changed before each request", "replica", [r]));
        }
        return new OnlineStoreRun(replicaCases, ownerCases, rawCases, sequential, entities, members, backfillSeconds, keys);
    }

    private static async Task<LoadResult> MeasureAsync(string id, ApiProcess api, WrkRequest request, int c, HarnessOptions options, CancellationToken ct)
    {
        if (options.Http.WarmupSeconds > 0) await Wrk.RunAsync(id, api, request, c, options.Http.WarmupSeconds, ct);
        var r = await Wrk.RunAsync(id, api, request, c, options.Http.Seconds, ct);
        if (r.Errors > 0) throw new InvalidOperationException($"({id}) at {c} connections: {r.Errors} errors or non-2xx answers out of {r.Requests}\n{api.Tail()}");
        Harness.Log(FormattableString.Invariant($"({id}) c={c}: {r.Throughput:N0} req/s, p50 {r.P50Ms:F2} ms, p99 {r.P99Ms:F2} ms"));
        return r;
    }

    private static string Key(string feature, string entity) => $"{Prefix}v:{feature}:1:{entity}";

    /// <summary>The keys a replica reads for a vector of set <paramref name="set"/> (members as the generator made them), and the completeness mark.</summary>
    private static string[] SetKeys(Dataset data, int set, IReadOnlyList<string> entities) =>
    [
        .. entities.SelectMany(e => Enumerable.Range(0, 10).Select(m => Key(Generator.Name(0, (set * 10 + m) % data.Shape.ValueFeatures), e))),
        Prefix + "complete",
    ];

    private static async Task<JsonElement> WaitCompleteAsync(HttpClient owner, CancellationToken ct)
    {
        for (var i = 0; i < 1200; i++)
        {
            var status = await owner.GetFromJsonAsync<JsonElement>("api/v1/online-store", ct);
            if (status.GetProperty("complete").ValueKind == JsonValueKind.True && status.GetProperty("pending_features").GetInt64() == 0
                && status.GetProperty("backfill").ValueKind == JsonValueKind.Object
                && status.GetProperty("backfill").GetProperty("state").GetString() == "succeeded")
                return status;
            await Task.Delay(250, ct);
        }
        throw new TimeoutException("the owner did not fill Redis within 5 minutes");
    }

    /// <summary>An answer without what depends on when it was served.</summary>
    private static string Timeless(string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node.Remove("served_at");
        node.Remove("as_of");
        foreach (var list in new[] { "vectors", "values" })
            if (node[list] is System.Text.Json.Nodes.JsonArray a)
                foreach (var item in a) item!.AsObject().Remove("age_seconds");
        return node.ToJsonString();
    }

    public static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
