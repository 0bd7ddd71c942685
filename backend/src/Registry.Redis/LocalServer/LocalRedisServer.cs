using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Registry.Redis.LocalServer;

/// <summary>
/// A redis-server of our own from the installed binary (Debian's redis-server), on a loopback port, for the tests and
/// the benchmark harness, as LocalPostgresCluster is for PostgreSQL. Without <c>persistent</c> it keeps nothing on disk
/// (a restart comes back empty, as a cache node would); with it, every write is appended and fsynced first (AOF,
/// appendfsync always), so a kill -9 and restart keep everything acknowledged. noeviction: the online store must
/// never lose a key to memory pressure silently.
/// </summary>
public sealed class LocalRedisServer : IAsyncDisposable
{
    private readonly string _binary;
    private readonly bool _persistent;
    private Process? _process;

    private LocalRedisServer(string binary, string dataDirectory, int port, bool persistent)
    {
        _binary = binary;
        DataDirectory = dataDirectory;
        Port = port;
        _persistent = persistent;
    }

    public string DataDirectory { get; }

    /// <summary>Where the server writes its pid: how a later run finds and stops a server whose owner died without stopping it.</summary>
    public static string PidFile(string dataDirectory) => Path.Combine(dataDirectory, "redis.pid");

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<LocalRedisServer> StartAsync(string dataDirectory, bool persistent = false, int? port = null, CancellationToken ct = default)
    {
        var server = new LocalRedisServer(FindBinary(), Path.GetFullPath(dataDirectory), port ?? FreePort(), persistent);
        Directory.CreateDirectory(server.DataDirectory);
        await server.StartAsync(ct);
        return server;
    }

    /// <summary>Starts the server again on the same port and folder (after <see cref="Kill"/>).</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (IsRunning) return;
        string[] args =
        [
            "--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dir", DataDirectory, "--daemonize", "no", "--protected-mode", "yes",
            "--save", "", "--maxmemory-policy", "noeviction", "--logfile", "", "--pidfile", PidFile(DataDirectory),
            .. _persistent ? new[] { "--appendonly", "yes", "--appendfsync", "always" } : ["--appendonly", "no"],
        ];
        var info = new ProcessStartInfo(_binary, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(info) ?? throw new InvalidOperationException($"{_binary} did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 200; i++)
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with {_process.ExitCode} (port {Port}).");
            if (await PingAsync(ct)) return;
            await Task.Delay(50, ct);
        }
        throw new TimeoutException($"redis-server did not answer on port {Port} within 10 s.");
    }

    /// <summary>SIGKILL, as a crash: nothing is saved that was not already on disk.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill();
        _process.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        await Task.CompletedTask;
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { /* best effort */ }
    }

    private async Task<bool> PingAsync(CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, ct);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), ct);
            var buffer = new byte[64];
            var n = await stream.ReadAsync(buffer, ct);
            // "-LOADING" while an append-only file is replayed: not ready yet.
            return Encoding.ASCII.GetString(buffer, 0, n).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException) { return false; }
        catch (IOException) { return false; }
    }

    private static string FindBinary()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("redis-server is not installed (Debian: apt-get install redis-server); the online store's tests and benchmarks run a real one.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
