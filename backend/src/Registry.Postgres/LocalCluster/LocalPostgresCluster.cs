using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Npgsql;

namespace Registry.Postgres.LocalCluster;

/// <summary>
/// A PostgreSQL cluster of our own, made from the installed binaries: initdb into a folder, a server on a free
/// loopback port, stopped on dispose. Used by local development (data kept under .data/) and by the tests
/// (a throwaway folder). PostgreSQL refuses to run as root, so as root both run as the 'postgres' user.
/// </summary>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    private readonly string _binDir;
    private readonly bool _ownsServer;
    private readonly bool _deleteOnDispose;

    private LocalPostgresCluster(string dataDir, string binDir, int port, bool ownsServer, bool deleteOnDispose)
    {
        DataDirectory = dataDir;
        _binDir = binDir;
        Port = port;
        _ownsServer = ownsServer;
        _deleteOnDispose = deleteOnDispose;
    }

    public string DataDirectory { get; }

    /// <summary>False when a server from an earlier run was found serving the folder and reused; it is then left running.</summary>
    public bool OwnsServer => _ownsServer;
    public int Port { get; }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        // Trust authentication on loopback only: this cluster is a private, local one.
        Pooling = true,
        MaxPoolSize = 50,
    }.ConnectionString;

    /// <summary>
    /// Starts (initializing first when the folder is empty) a cluster in <paramref name="dataDir"/>, on
    /// <paramref name="port"/> or a free port. When a server from an earlier run is still serving that folder it is
    /// reused, not restarted.
    /// </summary>
    public static async Task<LocalPostgresCluster> StartAsync(string dataDir, bool deleteOnDispose = false, string? binDir = null,
        int? port = null, CancellationToken ct = default)
    {
        binDir ??= FindBinDirectory();
        dataDir = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(dataDir);
        var asRoot = IsRoot();
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", dataDir], asPostgres: false, ct);
            try
            {
                await RunAsync("test", ["-w", dataDir], asPostgres: true, ct);
            }
            catch (InvalidOperationException)
            {
                throw new InvalidOperationException(
                    $"The 'postgres' user cannot reach {dataDir}: PostgreSQL runs as that user when started by root, " +
                    "so every parent folder must be traversable by it (chmod o+x), or choose another data folder.");
            }
        }
        // initdb insists on 0700 (or 0750) for the folder it owns.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        if (!File.Exists(Path.Combine(dataDir, "PG_VERSION")))
        {
            await RunAsync(Path.Combine(binDir, "initdb"),
                ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"], asRoot, ct);
        }

        if (RunningPort(dataDir) is { } existing && await AcceptsConnectionsAsync(existing, ct))
            return new LocalPostgresCluster(dataDir, binDir, existing, ownsServer: false, deleteOnDispose: false);

        port ??= FreePort();
        var options = string.Join(' ',
            $"-p {port}", "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''",
            "-c max_connections=200", "-c fsync=on", "-c shared_buffers=128MB");
        await RunAsync(Path.Combine(binDir, "pg_ctl"),
            ["-D", dataDir, "-o", options, "-l", Path.Combine(dataDir, "server.log"), "-w", "-t", "60", "start"], asRoot, ct);
        return new LocalPostgresCluster(dataDir, binDir, port.Value, ownsServer: true, deleteOnDispose);
    }

    /// <summary>Creates the database unless it exists; CREATE DATABASE has no IF NOT EXISTS.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new() { Value = database });
        if (await exists.ExecuteScalarAsync(ct) is not null) return;
        // The name is ours, never user input; quoted anyway.
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        try
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another process created it between the check and here.
        }
    }

    public async Task StopAsync()
    {
        if (!_ownsServer) return;
        await RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"], IsRoot(), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (_deleteOnDispose)
            {
                try { Directory.Delete(DataDirectory, recursive: true); }
                catch (IOException) { }
            }
        }
    }

    public static string FindBinDirectory()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(Path.Combine(fromEnv, "initdb"))) return fromEnv;
        const string root = "/usr/lib/postgresql";
        var candidates = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(c => File.Exists(Path.Combine(c.Dir, "initdb")))
                .OrderByDescending(c => c.Version)
                .Select(c => c.Dir)
            : [];
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException(
                "No PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and $PG_BIN). " +
                "Install them (Debian: apt-get install postgresql) or set ConnectionStrings:Registry to an existing server.");
    }

    private static int? RunningPort(string dataDir)
    {
        // postmaster.pid line 4 is the port; the file outlives a crash, hence the connection check after.
        var pidFile = Path.Combine(dataDir, "postmaster.pid");
        try
        {
            var lines = File.ReadAllLines(pidFile);
            return lines.Length > 3 && int.TryParse(lines[3], CultureInfo.InvariantCulture, out var port) ? port : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port, CancellationToken ct)
    {
        try
        {
            await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=3;Pooling=false");
            await connection.OpenAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && GetEuid() == 0;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    private static async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgres, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file }) psi.ArgumentList.Add(a);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} failed with exit code {process.ExitCode}: {(await stderr).Trim()} {(await stdout).Trim()}");
        }
    }
}
