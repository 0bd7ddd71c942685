using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Registry.Benchmarks;

/// <summary>
/// The real API as a separate process: the Release build of Registry.Api (built by `dotnet run -c Release` of this project,
/// which references it), Kestrel on a free loopback port, on the run's registry database (PostgreSQL, or MongoDB) and a DuckDB file of its
/// own. Its memory is read from /proc: VmHWM is the peak resident set, which <see cref="ResetPeak"/> starts afresh.
/// </summary>
internal sealed class ApiProcess : IAsyncDisposable
{
    /// <summary>
    /// The one place the API key is set: the API is started with it as its bootstrap key and every request of the harness
    /// (HttpClient and wrk) sends it, so authentication is part of every measured request.
    /// </summary>
    public const string KeyHeader = "X-API-Key";

    private readonly Process _process;
    private readonly List<string> _log = [];
    private long _earlierPeaks;
    private int _disposed;

    private ApiProcess(Process process, Uri baseAddress, string key, string dll)
    {
        _process = process;
        BaseAddress = baseAddress;
        Key = key;
        Dll = dll;
    }

    public Uri BaseAddress { get; }
    public string Key { get; }
    public string Dll { get; }
    public int Pid => _process.Id;

    public static async Task<ApiProcess> StartAsync(string connectionString, string duckDbPath, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var api = Launch(connectionString, duckDbPath, environment);
        try
        {
            await api.WaitReadyAsync(ct);
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the API and times, from just before the process is started, until /health/live first answers 200 and until
    /// <paramref name="firstGet"/> (sent right after) answers 200: the start-up case. Polled every 5 ms.
    /// </summary>
    public static async Task<(ApiProcess Api, TimeSpan Live, TimeSpan FirstGet)> StartTimedAsync(string connectionString, string duckDbPath,
        string firstGet, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var api = Launch(connectionString, duckDbPath, null);
        try
        {
            using var client = api.CreateClient(TimeSpan.FromSeconds(30));
            while (true)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(120)) throw new TimeoutException($"the API did not answer within 120 s:\n{api.Tail()}");
                if (api._process.HasExited) throw new InvalidOperationException($"the API exited with {api._process.ExitCode}:\n{api.Tail()}");
                try
                {
                    using var response = await client.GetAsync("health/live", ct);
                    if (response.IsSuccessStatusCode) break;
                }
                catch (HttpRequestException) { /* not listening yet */ }
                await Task.Delay(5, ct);
            }
            var live = clock.Elapsed;
            using (var response = await client.GetAsync(firstGet.TrimStart('/'), ct))
            {
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {firstGet} answered {(int)response.StatusCode}\n{api.Tail()}");
                await response.Content.ReadAsByteArrayAsync(ct);
            }
            return (api, live, clock.Elapsed);
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    private static ApiProcess Launch(string connectionString, string duckDbPath, IReadOnlyDictionary<string, string>? environment)
    {
        var dll = FindApiDll();
        var port = FreePort();
        var key = "bench_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = info.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        env["ConnectionStrings__Registry"] = connectionString;
        env["DuckDb__Path"] = duckDbPath;
        env["DuckDb__TempDirectory"] = Path.Combine(Path.GetDirectoryName(duckDbPath)!, "tmp");
        env["Auth__BootstrapKey"] = key;
        // The per-key rate limiter stays in the path, with a limit wrk cannot reach (the default would turn load into 429s).
        env["RateLimit__PermitsPerSecond"] = "100000000";
        env["RateLimit__Burst"] = "100000000";
        env["Logging__LogLevel__Default"] = "Warning";
        env["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) env[k] = v;

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start dotnet {dll}");
        var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{port}/"), key, dll);
        process.OutputDataReceived += (_, e) => api.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => api.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return api;
    }

    public HttpClient CreateClient(TimeSpan? timeout = null)
    {
        // One connection per request in flight, no proxy, and the key on every request.
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = BaseAddress,
            Timeout = timeout ?? TimeSpan.FromMinutes(15),
        };
        client.DefaultRequestHeaders.Add(KeyHeader, Key);
        return client;
    }

    /// <summary>Peak resident set size since start or the last <see cref="ResetPeak"/>, in bytes.</summary>
    public long PeakBytes => StatusField("VmHWM");

    public long ResidentBytes => StatusField("VmRSS");

    /// <summary>The peak over the process's whole life, across resets.</summary>
    public long LifetimePeakBytes => Math.Max(_earlierPeaks, PeakBytes);

    /// <summary>Starts the peak afresh (writing 5 to /proc/PID/clear_refs resets VmHWM to the current resident set).</summary>
    public void ResetPeak()
    {
        _earlierPeaks = Math.Max(_earlierPeaks, PeakBytes);
        File.WriteAllText($"/proc/{Pid}/clear_refs", "5");
    }

    /// <summary>The last lines the API wrote, for a failure message.</summary>
    public string Tail(int lines = 40)
    {
        lock (_log) return string.Join('\n', _log.TakeLast(lines));
    }

    private long StatusField(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            var kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
            return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"/proc/{Pid}/status has no {field}");
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            _log.Add(line);
            if (_log.Count > 500) _log.RemoveRange(0, 100);
        }
    }

    private async Task WaitReadyAsync(CancellationToken ct)
    {
        using var client = CreateClient(TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (_process.HasExited) throw new InvalidOperationException($"the API exited with {_process.ExitCode}:\n{Tail()}");
            try
            {
                using var response = await client.GetAsync("swagger/v1/swagger.json", ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { /* slow start */ }
            await Task.Delay(250, ct);
        }
        throw new TimeoutException($"the API did not answer within 120 s:\n{Tail()}");
    }

    /// <summary>SIGTERM first, so the API shuts down as in production (DuckDB checkpoints), then SIGKILL if it hangs.</summary>
    public async ValueTask DisposeAsync()
    {
        // Twice is fine: the harness stops the first API early, to restart it with the online store on.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _process.WaitForExitAsync(wait.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        _process.Dispose();
    }

    /// <summary>backend/src/Registry.Api/bin/Release/net10.0/Registry.Api.dll, built alongside this harness.</summary>
    private static string FindApiDll()
    {
        var root = BenchmarkDocs.RepositoryRoot();
        var folder = Path.Combine(root, "backend", "src", "Registry.Api", "bin", "Release");
        var dll = Directory.Exists(folder)
            ? Directory.GetFiles(folder, "Registry.Api.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        return dll ?? throw new InvalidOperationException($"No Release build of the API under {folder}: run the harness with `{HarnessOptions.Command}`.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
