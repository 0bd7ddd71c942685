using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Registry.Benchmarks;

/// <summary>One case at one concurrency: how many requests completed in how long, and their latency percentiles.</summary>
internal sealed record LoadResult(string Case, int Concurrency, long Requests, double Seconds, double P50Ms, double P90Ms, double P99Ms, double MaxMs,
    long Errors, double MeanMs = double.NaN, double P999Ms = double.NaN)
{
    public double Throughput => Requests / Seconds;

    /// <summary>
    /// The summed latencies over the time the connections had: at most 1 in a closed loop, where each connection waits
    /// for its answer. Above 1, the latencies overstate what happened (seen with wrk on this virtual machine).
    /// </summary>
    public double LatencyShare => MeanMs * Requests / (Seconds * 1000 * Concurrency);
}

/// <summary>What wrk sends: a path (or a file of paths to cycle through), and for a POST the method, body and content type.</summary>
internal sealed record WrkRequest(string Path, string? PathsFile = null, string Method = "GET", string? BodyFile = null, string? ContentType = null);

/// <summary>Runs wrk (Debian's package) with wrk/harness.lua and reads the line of JSON its done() prints.</summary>
internal static class Wrk
{
    public static string Version()
    {
        // wrk has no --version; its usage text names the version on the first line.
        var info = new ProcessStartInfo("wrk", ["-v"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(info)!;
        var text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return text.Split('\n')[0].Split(" Copyright")[0].Trim();
    }

    public static async Task<LoadResult> RunAsync(string caseId, ApiProcess api, WrkRequest request, int connections, int seconds, CancellationToken ct)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "wrk", "harness.lua");
        var args = new List<string>
        {
            "-t", Math.Min(connections, 2).ToString(CultureInfo.InvariantCulture),
            "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{seconds}s", "--timeout", "30s",
            "-H", $"{ApiProcess.KeyHeader}: {api.Key}",
            "-s", script,
            new Uri(api.BaseAddress, request.Path.TrimStart('/')).ToString(),
            "--",
        };
        if (request.PathsFile is not null) args.Add($"paths={request.PathsFile}");
        if (request.Method != "GET") args.Add($"method={request.Method}");
        if (request.BodyFile is not null) args.Add($"body={request.BodyFile}");
        if (request.ContentType is not null) args.Add($"type={request.ContentType}");

        var info = new ProcessStartInfo("wrk", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(info) ?? throw new InvalidOperationException("wrk did not start (Debian: apt-get install wrk)");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var output = await stdout;
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("HARNESS ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"wrk printed no result (exit {p.ExitCode}):\n{output}\n{await stderr}");
        using var json = JsonDocument.Parse(line["HARNESS ".Length..]);
        var r = json.RootElement;
        long Get(string name) => r.GetProperty(name).GetInt64();
        var errors = Get("connect_errors") + Get("read_errors") + Get("write_errors") + Get("status_errors") + Get("timeouts");
        return new LoadResult(caseId, connections, Get("requests"), Get("duration_us") / 1e6, Get("p50_us") / 1e3, Get("p90_us") / 1e3,
            Get("p99_us") / 1e3, Get("max_us") / 1e3, errors, r.GetProperty("mean_us").GetDouble() / 1e3);
    }
}

/// <summary>
/// The raw engines under the same load shape as wrk: <c>concurrency</c> workers in this process, each calling the operation
/// again as soon as it returns, for a fixed time after a warm-up; latencies by Stopwatch.
/// </summary>
internal static class RawLoad
{
    public static async Task<LoadResult> RunAsync(string caseId, int concurrency, int warmupSeconds, int seconds, Func<long, CancellationToken, Task> operation,
        CancellationToken ct)
    {
        await RunForAsync(concurrency, TimeSpan.FromSeconds(warmupSeconds), operation, ct);
        GC.Collect();
        var (latencies, elapsed) = await RunForAsync(concurrency, TimeSpan.FromSeconds(seconds), operation, ct);
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new LoadResult(caseId, concurrency, all.Length, elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99),
            all.Length == 0 ? 0 : all[^1], 0, all.Length == 0 ? 0 : all.Average(), Percentile(all, 0.999));
    }

    private static async Task<(List<double>[] Latencies, TimeSpan Elapsed)> RunForAsync(int concurrency, TimeSpan duration,
        Func<long, CancellationToken, Task> operation, CancellationToken ct)
    {
        var latencies = Enumerable.Range(0, concurrency).Select(_ => new List<double>(100_000)).ToArray();
        var clock = Stopwatch.StartNew();
        long counter = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                await operation(Interlocked.Increment(ref counter), ct);
                latencies[w].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }, ct)));
        return (latencies, clock.Elapsed);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>
/// Latency at one connection as a client sees it: one HttpClient on one keep-alive connection, one request after another,
/// each timed by Stopwatch (a monotonic clock). wrk's percentiles at one connection came out inconsistent on this virtual
/// machine (their sum exceeded the run's time), so the p99 targets are judged on this probe; wrk's figures stay in their table.
/// </summary>
internal static class SequentialProbe
{
    /// <remarks>
    /// <paramref name="before"/> runs before each request, outside the timed part (the replica's changed case changes the
    /// data); <paramref name="measuring"/> once, after the warm-up, as the measured part starts.
    /// </remarks>
    public static async Task<LoadResult> RunAsync(string caseId, ApiProcess api, IReadOnlyList<string> paths, int warmupSeconds, int seconds,
        CancellationToken ct, Func<Task>? before = null, Func<Task>? measuring = null)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler) { BaseAddress = api.BaseAddress };
        client.DefaultRequestHeaders.Add(ApiProcess.KeyHeader, api.Key);
        var next = 0L;
        var buffer = new byte[64 * 1024];
        async Task<List<double>> RunFor(TimeSpan duration)
        {
            var latencies = new List<double>(200_000);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                var path = paths[(int)(next++ % paths.Count)].TrimStart('/');
                if (before is not null) await before();
                var start = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
                // Timed to the body's last byte, read into one reused buffer: buffering each answer whole (480 KB for the
                // wide vector, a large-object allocation per request) made the probe's own collections part of the API's p99.
                await using (var body = await response.Content.ReadAsStreamAsync(ct))
                    while (await body.ReadAsync(buffer, ct) > 0) { }
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"({caseId}) GET {path} answered {(int)response.StatusCode}");
                latencies.Add(elapsed);
            }
            return latencies;
        }

        if (warmupSeconds > 0) await RunFor(TimeSpan.FromSeconds(warmupSeconds));
        if (measuring is not null) await measuring();
        GC.Collect();
        var measured = Stopwatch.StartNew();
        var all = (await RunFor(TimeSpan.FromSeconds(seconds))).ToArray();
        var wall = measured.Elapsed.TotalSeconds;
        Array.Sort(all);
        return new LoadResult(caseId, 1, all.Length, wall, RawLoad.Percentile(all, 0.50), RawLoad.Percentile(all, 0.90), RawLoad.Percentile(all, 0.99),
            all.Length == 0 ? 0 : all[^1], 0, all.Length == 0 ? 0 : all.Average(), RawLoad.Percentile(all, 0.999));
    }
}
