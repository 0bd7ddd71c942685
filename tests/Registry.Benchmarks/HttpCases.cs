using System.Globalization;
using System.Text.Json;

namespace Registry.Benchmarks;

/// <summary>A case driven by wrk: what it asks, and its results at each concurrency.</summary>
internal sealed record HttpCase(string Id, string Title, string Request, IReadOnlyList<LoadResult> Results, string? Absent = null, string? Profile = null)
{
    public LoadResult? At(int concurrency) => Results.FirstOrDefault(r => r.Concurrency == concurrency);

    /// <summary>The highest throughput over the concurrencies: the case's saturation rate.</summary>
    public LoadResult? Peak => Results.MaxBy(r => r.Throughput);
}

internal sealed record HttpRun(IReadOnlyList<HttpCase> Api, IReadOnlyList<HttpCase> Raw, IReadOnlyList<HttpCase> Sequential, string FloorPath,
    bool FloorIsHealth, long PeakBytes)
{
    public HttpCase Case(string id) => Api.Concat(Raw).Single(c => c.Id == id);

    /// <summary>The case measured by <see cref="SequentialProbe"/>, if it was.</summary>
    public LoadResult? SequentialOf(string id) => Sequential.FirstOrDefault(c => c.Id == id)?.Results is [var first, ..] ? first : null;
}

/// <summary>
/// The request/response cases over HTTP, each at every concurrency of the run, and the raw engines doing the same reads in
/// this process. Requests cycle through many features and entities (files of paths), so no case reads one cached row.
/// </summary>
internal static class HttpCases
{
    public const string OnlineSuffix = "/online";

    public static async Task<HttpRun> RunAsync(HarnessOptions options, ApiProcess api, HttpClient client, BenchStore store, Dataset data,
        string rawPath, string folder, CancellationToken ct)
    {
        var shape = data.Shape;
        var http = options.Http;
        string Write(string name, IEnumerable<string> lines)
        {
            var path = Path.Combine(folder, name);
            File.WriteAllLines(path, lines);
            return path;
        }

        // The floor: /health/live, an endpoint of the same app that touches no database.
        const bool floorIsHealth = true;
        const string floor = "/health/live";
        if (!await AnswersAsync(client, "health/live", ct)) throw new InvalidOperationException("the API does not answer /health/live");

        var names = Enumerable.Range(0, shape.Definitions).Select(n => Generator.Name(n % shape.Layers, n / shape.Layers)).ToList();
        var definitions = Write("definitions.txt", names.Select(n => $"/api/v1/features/{n}"));
        var lists = Write("lists.txt", Enumerable.Range(0, 20).Select(t =>
            string.Create(CultureInfo.InvariantCulture, $"/api/v1/features?feature_type=technical_indicator&owner=team_{t}&tags=bench&limit=50")));
        var depth = HarnessOptions.LineageDepth;
        var roots = Enumerable.Range(0, Math.Min(100, shape.Width)).Select(i => Generator.Name(shape.Layers - 1, i * shape.Width / Math.Min(100, shape.Width))).ToList();
        var lineage = Write("lineage.txt", roots.Select(r => $"/api/v1/features/{r}/lineage?recursive=true&direction=upstream&depth={depth}"));
        var largeDepth = HarnessOptions.LargeLineageDepth;
        var graphRoots = data.GraphRoots;
        var lineageLarge = Write("lineage_large.txt", graphRoots.Select(r => $"/api/v1/features/{r}/lineage?recursive=true&direction=upstream&depth={largeDepth}"));
        var tops = Enumerable.Range(0, Math.Min(100, shape.Width)).Select(i => Generator.Name(0, i * shape.Width / Math.Min(100, shape.Width))).ToList();
        var impact = Write("impact.txt", tops.Select(r => $"/api/v1/features/{r}/impact"));
        var latest = Write("latest.txt", Enumerable.Range(0, 1000).Select(i =>
            $"/api/v1/features/{data.ValueFeatures[i % data.ValueFeatures.Count]}/values/latest?entity_id={Generator.Entity(i * 7 % shape.LightEntities)}"));
        var usageBody = Path.Combine(folder, "usage.json");
        await File.WriteAllTextAsync(usageBody, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["feature_name"] = data.ValueFeatures[0],
            ["feature_version"] = "1.0.0",
            ["used_by_model"] = "bench_model",
            ["model_version"] = "v1",
            ["environment"] = "production",
            ["feature_importance"] = 0.42,
        }), ct);

        var onlineRoute = options.Runs("online") ? await OnlineRouteAsync(client, ct) : null;
        string? online = null;
        if (onlineRoute is not null)
        {
            online = Write("online.txt", Enumerable.Range(0, 1000).Select(i =>
                $"/api/v1/feature-sets/{data.FeatureSets[i % data.FeatureSets.Count]}/versions/1.0.0/online?entity_id={Generator.Entity(i * 7 % shape.LightEntities)}"));
            var first = File.ReadLines(online).First();
            using var probe = await client.GetAsync(first.TrimStart('/'), ct);
            if (!probe.IsSuccessStatusCode)
                throw new InvalidOperationException($"GET {first} answered {(int)probe.StatusCode}: {await probe.Content.ReadAsStringAsync(ct)}");
        }

        var specs = new List<(string Id, string Title, string Shown, WrkRequest? Request)>
        {
            ("floor", "trivial endpoint (the framework's floor)", $"`GET {floor}`", new WrkRequest(floor)),
            ("definition", "GET one definition", $"`GET /api/v1/features/{{name}}` over all {shape.Definitions:N0} definitions", new WrkRequest("/", definitions)),
            ("list", "filtered list", "`GET /api/v1/features?feature_type=technical_indicator&owner=team_{t}&tags=bench&limit=50`, 20 owners", new WrkRequest("/", lists)),
            ("lineage", $"recursive lineage, upstream, depth {depth}", $"`GET …/{{name}}/lineage?recursive=true&direction=upstream&depth={depth}`, {roots.Count} deepest-layer roots", new WrkRequest("/", lineage)),
            ("lineage_large", Invariant($"recursive lineage over {shape.GraphDefinitions:N0} nodes, upstream, depth {largeDepth}"),
                Invariant($"`GET …/{{name}}/lineage?recursive=true&direction=upstream&depth={largeDepth}`, {graphRoots.Count} deepest-layer roots of the {shape.GraphLayers} × {shape.GraphWidth:N0} graph"),
                new WrkRequest("/", lineageLarge)),
            ("impact", "impact", $"`GET …/{{name}}/impact`, {tops.Count} first-layer roots", new WrkRequest("/", impact)),
            ("latest", "latest value, 1 entity", $"`GET …/{{name}}/values/latest?entity_id=…` over {data.ValueFeatures.Count:N0} features", new WrkRequest("/", latest)),
            ("online", "online vector, 1 entity × 10 features", $"`GET /api/v1/feature-sets/{{name}}/versions/1.0.0/online?entity_id=…`, {data.FeatureSets.Count} sets",
                online is null ? null : new WrkRequest("/", online)),
            ("usage", "record one usage (POST)", "`POST /api/v1/features/usage`, one JSON record", new WrkRequest("/api/v1/features/usage", null, "POST", usageBody, "application/json")),
        };
        specs.RemoveAll(s => !options.Runs(s.Id));

        if (options.Runs("list") || options.Runs("lineage") || options.Runs("lineage_large"))
            await WarmCatalogAsync(client, File.ReadLines(lists).First(), ct);

        api.ResetPeak();
        var results = new List<HttpCase>();
        foreach (var (id, title, shown, request) in specs)
        {
            if (request is null)
            {
                Harness.Log($"({id}) not in this build: the API's OpenAPI document has no feature-set …{OnlineSuffix} route");
                results.Add(new HttpCase(id, title, shown, [], "not in this build"));
                continue;
            }
            var runs = new List<LoadResult>();
            foreach (var c in http.Concurrencies)
            {
                if (http.WarmupSeconds > 0) await Wrk.RunAsync(id, api, request, c, http.WarmupSeconds, ct);
                var r = await Wrk.RunAsync(id, api, request, c, http.Seconds, ct);
                if (r.Errors > 0) throw new InvalidOperationException($"({id}) at {c} connections: {r.Errors} errors or non-2xx answers out of {r.Requests}\n{api.Tail()}");
                Harness.Log(Invariant($"({id}) c={c}: {r.Throughput:N0} req/s, p50 {r.P50Ms:F2} ms, p99 {r.P99Ms:F2} ms"));
                runs.Add(r);
            }
            results.Add(new HttpCase(id, title, shown, runs));
        }
        var peak = api.PeakBytes;

        // One connection, one request after another, timed by the client's monotonic clock: the p99 targets' measure.
        var sequential = new List<HttpCase>();
        foreach (var (id, title, shown, request) in specs)
        {
            if (request is null || request.Method != "GET" || id is "list" or "impact" or "latest") continue;
            var paths = request.PathsFile is null ? [request.Path] : File.ReadLines(request.PathsFile).Where(l => l.Length > 0).ToList();
            var r = await SequentialProbe.RunAsync(id, api, paths, http.WarmupSeconds, http.Seconds, ct);
            Harness.Log(Invariant($"({id}) sequential: {r.Throughput:N0} req/s, p50 {r.P50Ms:F3} ms, p99 {r.P99Ms:F3} ms, p99.9 {r.P999Ms:F3} ms"));
            sequential.Add(new HttpCase(id, title, shown, [r]));
        }
        if (onlineRoute is not null) sequential.Add(await WideAsync(options, api, client, data, rawPath, ct));

        // The raw engines, same concurrencies: the store's query behind GET one definition, and the lineage walk of (lineage).
        if (options.Only is not null) return new HttpRun(results, [], sequential, floor, floorIsHealth, peak);
        var raw = new List<HttpCase>();
        var rawDefinitions = new List<LoadResult>();
        var rawWalks = new List<LoadResult>();
        foreach (var c in http.Concurrencies)
        {
            var r = await RawLoad.RunAsync("raw_definition", c, http.WarmupSeconds, http.Seconds,
                (n, token) => store.ReadDefinitionAsync(names[(int)(n % names.Count)], token), ct);
            Harness.Log(Invariant($"(raw_definition) c={c}: {r.Throughput:N0} op/s, p50 {r.P50Ms:F2} ms, p99 {r.P99Ms:F2} ms"));
            rawDefinitions.Add(r);
            var w = await RawLoad.RunAsync("raw_walk", c, http.WarmupSeconds, http.Seconds,
                (n, token) => store.WalkAsync(roots[(int)(n % roots.Count)], depth, token), ct);
            Harness.Log(Invariant($"(raw_walk) c={c}: {w.Throughput:N0} op/s, p50 {w.P50Ms:F2} ms, p99 {w.P99Ms:F2} ms"));
            rawWalks.Add(w);
        }
        raw.Add(new HttpCase("raw_definition", store.RawDefinition.Title, store.RawDefinition.What, rawDefinitions));
        raw.Add(new HttpCase("raw_walk", store.RawWalk(depth).Title, store.RawWalk(depth).What, rawWalks));
        return new HttpRun(results, raw, sequential, floor, floorIsHealth, peak);
    }

    /// <summary>
    /// The catalog of lists and walks (ADR 0044) loads in the background on the first list: wait until it answers, so the
    /// cases measure the steady state rather than the load (seconds on a loaded machine). Skipped when it is turned off.
    /// </summary>
    private static async Task WarmCatalogAsync(HttpClient client, string listPath, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            using (var list = await client.GetAsync(listPath.TrimStart('/'), ct)) list.EnsureSuccessStatusCode();
            var metrics = await client.GetStringAsync("metrics", ct);
            if (!metrics.Contains("registry_catalog_answers_total", StringComparison.Ordinal)) return; // off
            if (metrics.Contains("registry_catalog_answers_total{result=\"memory\"}", StringComparison.Ordinal))
            {
                Harness.Log(Invariant($"catalog answering after {clock.Elapsed.TotalSeconds:F1} s"));
                return;
            }
            await Task.Delay(250, ct);
        }
        throw new TimeoutException("the catalog did not load within 3 minutes");
    }

    /// <summary>The wide online set of the in-process case: 50 features with values (fewer in a smoke run).</summary>
    public const string WideSet = "bench_wide_owner";

    /// <summary>
    /// The online vector of 100 entities × 50 features, in process (this API owns the values file, no Redis), on the
    /// sequential client: one path, so after the first request every value comes from the latest-value cache. Its answer
    /// is first checked value by value against the harness's own DuckDB copy of the rows (the newest event per entity).
    /// </summary>
    public static async Task<HttpCase> WideAsync(HarnessOptions options, ApiProcess api, HttpClient client, Dataset data, string rawPath, CancellationToken ct)
    {
        var members = Math.Min(50, data.Shape.ValueFeatures);
        var entities = Enumerable.Range(0, Math.Min(100, data.Shape.LightEntities)).Select(Generator.Entity).ToList();
        using (var response = await client.PostAsync("api/v1/feature-sets", System.Net.Http.Json.JsonContent.Create(new
               {
                   feature_set_name = WideSet, owner = "bench", description = "The wide online shape, read in process (performance harness).",
                   members = Enumerable.Range(0, members).Select(m => new { feature_name = Generator.Name(0, m), feature_version = "1.0.0" }),
               }), ct))
        {
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"creating {WideSet} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
        var path = $"/api/v1/feature-sets/{WideSet}/versions/1.0.0{OnlineSuffix}?" + string.Join("&", entities.Select(e => $"entity_id={e}"));
        var checkedValues = CheckWide(await client.GetStringAsync(path.TrimStart('/'), ct), rawPath, members, entities);
        // The API's collections over the measured part: the profile beside the p99 (a collection stops the answer under way).
        ApiMetrics? before = null;
        var r = await SequentialProbe.RunAsync("online_wide", api, [path], options.Http.WarmupSeconds, options.Http.Seconds, ct,
            measuring: async () => before = await ApiMetrics.ReadAsync(client, ct));
        var collections = (await ApiMetrics.ReadAsync(client, ct)).CollectionsSince(before!, r.Requests);
        Harness.Log(Invariant($"(online_wide) {checkedValues:N0} values checked against DuckDB; sequential: {r.Throughput:N0} req/s, p50 {r.P50Ms:F3} ms, p99 {r.P99Ms:F3} ms, p99.9 {r.P999Ms:F3} ms; {collections}"));
        return new HttpCase("online_wide", Invariant($"online vector, {entities.Count} entities × {members} features, in process"),
            Invariant($"`GET /api/v1/feature-sets/{WideSet}/versions/1.0.0{OnlineSuffix}?entity_id=…` ({entities.Count} entity_id parameters), the owner without Redis"), [r],
            Profile: collections);
    }

    /// <summary>Every value and event time of the answer against a direct query of the raw file; returns how many values were compared.</summary>
    private static int CheckWide(string answer, string rawPath, int members, List<string> entities)
    {
        var expected = new Dictionary<(string Feature, string Entity), (DateTime EventTs, double Value)>();
        using (var db = Registry.DuckDb.DuckDbDatabase.Open(rawPath))
        using (var c = db.Rent())
        {
            for (var k = 0; k < members; k++)
            {
                using var r = c.Query($"SELECT entity_id, event_ts, value FROM {Generator.RawTable(k)} QUALIFY row_number() OVER (PARTITION BY entity_id ORDER BY event_ts DESC) = 1");
                while (r.Read()) expected[(Generator.Name(0, k), r.GetString(0))] = (r.GetDateTime(1), r.GetDouble(2));
            }
        }
        using var json = JsonDocument.Parse(answer);
        var vectors = json.RootElement.GetProperty("vectors");
        if (vectors.GetArrayLength() != entities.Count) throw new InvalidOperationException($"(online_wide) {vectors.GetArrayLength()} vectors, not {entities.Count}");
        var n = 0;
        foreach (var (vector, entity) in vectors.EnumerateArray().Zip(entities))
        {
            if (vector.GetProperty("entity_id").GetString() != entity) throw new InvalidOperationException($"(online_wide) vectors out of order at {entity}");
            for (var k = 0; k < members; k++)
            {
                var feature = Generator.Name(0, k);
                var has = expected.TryGetValue((feature, entity), out var want);
                var present = vector.GetProperty("raw_values").TryGetProperty(feature, out var value);
                if (has != present
                    || has && (value.GetDouble() != want.Value || vector.GetProperty("event_ts").GetProperty(feature).GetDateTime().ToUniversalTime() != DateTime.SpecifyKind(want.EventTs, DateTimeKind.Utc)))
                    throw new InvalidOperationException($"(online_wide) {feature} of {entity}: the API answered {(present ? value.ToString() : "nothing")}, DuckDB {(has ? want.ToString() : "nothing")}");
                n++;
            }
        }
        return n;
    }

    private static async Task<bool> AnswersAsync(HttpClient client, string path, CancellationToken ct)
    {
        using var response = await client.GetAsync(path, ct);
        return response.IsSuccessStatusCode;
    }

    /// <summary>The online-vector route, when the running API's OpenAPI document has one (it is being built in parallel).</summary>
    private static async Task<string?> OnlineRouteAsync(HttpClient client, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync("swagger/v1/swagger.json", ct));
        return doc.RootElement.GetProperty("paths").EnumerateObject()
            .Select(p => p.Name)
            .FirstOrDefault(p => p.StartsWith("/api/v1/feature-sets/", StringComparison.Ordinal) && p.EndsWith(OnlineSuffix, StringComparison.Ordinal));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
