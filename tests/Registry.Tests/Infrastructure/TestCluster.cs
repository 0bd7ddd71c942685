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
        var dir = Path.Combine(Path.GetTempPath(), $"registry-tests-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var cluster = await LocalPostgresCluster.StartAsync(dir, deleteOnDispose: true);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return cluster;
    }
}
