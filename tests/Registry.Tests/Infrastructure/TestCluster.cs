using Registry.Postgres.LocalCluster;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL cluster for the whole test run (started on first use, removed at exit);
/// each test class gets its own database in it, so classes run in parallel without sharing data.
/// </summary>
public static class TestCluster
{
    private static readonly Lazy<Task<LocalPostgresCluster>> Cluster = new(StartAsync);

    public static Task<LocalPostgresCluster> GetAsync() => Cluster.Value;

    /// <summary>A fresh, empty database on the shared cluster; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var cluster = await GetAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await cluster.EnsureDatabaseAsync(name);
        return cluster.ConnectionString(name);
    }

    private static async Task<LocalPostgresCluster> StartAsync()
    {
        RemoveLeftovers();
        var dir = Path.Combine(Path.GetTempPath(), $"registry-tests-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var cluster = await LocalPostgresCluster.StartAsync(dir, deleteOnDispose: true);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return cluster;
    }

    /// <summary>
    /// The exit handler stops the server but the test host may be torn down before the folder is deleted;
    /// folders of runs whose process is gone are removed here instead (the pid is part of the name).
    /// </summary>
    private static void RemoveLeftovers()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "registry-tests-*"))
        {
            var parts = Path.GetFileName(dir).Split('-');
            if (parts.Length < 3 || !int.TryParse(parts[2], out var pid) || IsAlive(pid)) continue;
            if (File.Exists(Path.Combine(dir, "postmaster.pid"))) continue; // a server may still use it
            try { Directory.Delete(dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
