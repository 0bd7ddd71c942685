using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// The API as a real process (its own build output), on a given database and DuckDB folder, for tests that stop it
/// the way an orchestrator would: SIGTERM (graceful) or SIGKILL.
/// </summary>
public sealed class ApiProcess : IDisposable
{
    private readonly Process _process;

    private ApiProcess(Process process, HttpClient client)
    {
        _process = process;
        Client = client;
    }

    public HttpClient Client { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the API and waits until it serves requests (at most 30 s).</summary>
    public static async Task<ApiProcess> StartAsync(string connectionString, string dataDirectory, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet", [ApiDll()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = TestHost.Environment;
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        // The same settings as an in-process API (TestHost), as environment variables.
        var key = TestHost.NewAdminKey("process-test");
        foreach (var (name, value) in TestHost.Settings(connectionString, dataDirectory, key).AsEnvironment()) info.Environment[name] = value;
        // Configuration keys as environment variables (OnlineStore:Redis → OnlineStore__Redis).
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) info.Environment[k.Replace(":", "__", StringComparison.Ordinal)] = v;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        var api = new ApiProcess(process, client);
        for (var i = 0; i < 300; i++)
        {
            Assert.False(process.HasExited, $"the API exited with {(process.HasExited ? process.ExitCode : 0)}");
            try
            {
                if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode) return api;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            await Task.Delay(100);
        }
        api.Dispose();
        throw new TimeoutException("The API did not start within 30 s.");
    }

    /// <summary>SIGKILL: no shutdown hook, no checkpoint, no flush.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, as `docker stop` sends it: the host stops accepting, finishes what runs, disposes, exits.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        Assert.Equal(0, SendSignal(_process.Id, 15));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public void Dispose()
    {
        Kill();
        Client.Dispose();
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>The API project's own build output (it has the runtimeconfig and DuckDB.NET's libduckdb under runtimes/).</summary>
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
