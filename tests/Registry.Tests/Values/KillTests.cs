using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>
/// The API as a real process, killed with SIGKILL in the middle of bulk ingests and started again: every acknowledged
/// batch is there, whole, and no batch is there in part.
/// </summary>
public sealed class KillTests : IAsyncLifetime
{
    private const int RowsPerBatch = 500;
    private readonly string _dir = Directory.CreateTempSubdirectory("registry-kill-").FullName;
    private string _connectionString = "";
    private readonly string _apiKey = "kill-test-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
    private Process? _api;
    private int _port;

    public async Task InitializeAsync() => _connectionString = await TestCluster.CreateDatabaseAsync("kill");

    public Task DisposeAsync()
    {
        Kill();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* best effort */ }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Acknowledged_batches_survive_a_kill_9_and_no_batch_is_partial()
    {
        using var client = await StartAsync();
        await client.CreateAsync(FeatureApi.Minimal("kill_bulk"));

        var acknowledged = new ConcurrentBag<int>();
        var sent = new ConcurrentBag<int>();
        var next = -1;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var batch = Interlocked.Increment(ref next);
                sent.Add(batch);
                var csv = "entity_id,event_ts,value\n" + string.Concat(Enumerable.Range(0, RowsPerBatch).Select(i => $"batch_{batch},{Day(i)},{i}\n"));
                try
                {
                    var response = await client.PostCsvAsync("kill_bulk", csv);
                    if (response.StatusCode == HttpStatusCode.OK) acknowledged.Add(batch);
                }
                catch (HttpRequestException) { return; } // the server is gone
                catch (TaskCanceledException) { return; }
            }
        })).ToList();

        // Let some batches be acknowledged, then kill while others are in flight.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (acknowledged.Count < 8 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Kill();
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(acknowledged.Count >= 8, $"only {acknowledged.Count} batches were acknowledged before the kill");

        using var again = await StartAsync();
        foreach (var batch in sent)
        {
            var rows = await again.ReadValuesAsync("kill_bulk", $"?entity_id=batch_{batch}&limit={RowsPerBatch * 2}");
            if (acknowledged.Contains(batch)) Assert.Equal(RowsPerBatch, rows.Count);
            else Assert.True(rows.Count is 0 or RowsPerBatch, $"batch {batch} is partial: {rows.Count} rows");
        }
        var total = (await (await again.GetAsync($"{ValuesUrl("kill_bulk")}/stats")).ExpectAsync(200))!;
        Assert.Equal(0, (long)total["rows"]! % RowsPerBatch);
        Assert.True((long)total["rows"]! >= acknowledged.Count * RowsPerBatch);
    }

    private async Task<HttpClient> StartAsync()
    {
        _port = FreePort();
        var info = new ProcessStartInfo("dotnet", [ApiDll()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_port}";
        info.Environment["ConnectionStrings__Registry"] = _connectionString;
        info.Environment["DuckDb__Path"] = Path.Combine(_dir, "values.duckdb");
        info.Environment["DuckDb__TempDirectory"] = Path.Combine(_dir, "tmp");
        info.Environment["Auth__BootstrapKey"] = _apiKey;
        _api = Process.Start(info)!;
        _api.OutputDataReceived += (_, _) => { };
        _api.ErrorDataReceived += (_, _) => { };
        _api.BeginOutputReadLine();
        _api.BeginErrorReadLine();

        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add(RegistryApiFactory.ApiKeyHeader, _apiKey);
        for (var i = 0; i < 300; i++)
        {
            Assert.False(_api.HasExited, $"the API exited with {(_api.HasExited ? _api.ExitCode : 0)}");
            try
            {
                if ((await client.GetAsync("/swagger/v1/swagger.json")).IsSuccessStatusCode) return client;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            await Task.Delay(100);
        }
        throw new TimeoutException("The API did not start within 30 s.");
    }

    /// <summary>SIGKILL: no shutdown hook, no checkpoint, no flush.</summary>
    private void Kill()
    {
        if (_api is null || _api.HasExited) return;
        _api.Kill(entireProcessTree: true);
        _api.WaitForExit(10_000);
    }

    /// <summary>The API project's own build output (it has the runtimeconfig and libduckdb.so next to it).</summary>
    private static string ApiDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var dll = Path.Combine(dir.FullName, "backend", "src", "Registry.Api", "bin", configuration, "net10.0", "Registry.Api.dll");
            if (File.Exists(dll)) return dll;
        }
        throw new FileNotFoundException("Registry.Api.dll not found; build the solution first.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
