using Registry.Redis.LocalServer;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// One throwaway redis-server for the whole test run (started on first use, killed at exit), as <see cref="TestCluster"/>
/// is for PostgreSQL. Test classes share it through key prefixes of their own (OnlineStore:KeyPrefix); a test that kills
/// Redis starts a server of its own with <see cref="StartOwnAsync"/>.
/// </summary>
public static class TestRedis
{
    private static readonly Lazy<Task<LocalRedisServer>> Server = new(() =>
    {
        RemoveLeftovers();
        return StartOwnAsync();
    });

    public static Task<LocalRedisServer> GetAsync() => Server.Value;

    /// <summary>A fresh prefix: a test class' own namespace of keys on the shared server.</summary>
    public static string NewPrefix() => $"t{Guid.NewGuid():N}:";

    /// <summary>A server of the caller's own, in a throwaway folder; the caller disposes it.</summary>
    public static async Task<LocalRedisServer> StartOwnAsync(bool persistent = false)
    {
        var server = await LocalRedisServer.StartAsync(Path.Combine(Path.GetTempPath(), $"registry-redis-{Environment.ProcessId}-{Guid.NewGuid():N}"), persistent);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();
        return server;
    }

    /// <summary>
    /// The test host may be torn down before its exit handler kills the shared server; servers and folders of runs whose
    /// process is gone (the pid is part of the folder's name) are stopped and removed here instead, as TestCluster does.
    /// </summary>
    private static void RemoveLeftovers()
    {
        foreach (var dir in TestProcesses.Leftovers("registry-redis-*"))
        {
            try
            {
                if (File.Exists(LocalRedisServer.PidFile(dir)) && int.TryParse(File.ReadAllText(LocalRedisServer.PidFile(dir)).Trim(), out var pid))
                {
                    using var server = System.Diagnostics.Process.GetProcessById(pid);
                    if (server.ProcessName.StartsWith("redis-server", StringComparison.Ordinal)) server.Kill();
                }
            }
            catch (ArgumentException) { /* already gone */ }
            catch (InvalidOperationException) { /* exited meanwhile */ }
            try { Directory.Delete(dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>Settings that make an API the values owner with the online store in <paramref name="server"/>.</summary>
    public static Dictionary<string, string?> OwnerSettings(LocalRedisServer server, string prefix) => new()
    {
        ["OnlineStore:Redis"] = server.Configuration,
        ["OnlineStore:KeyPrefix"] = prefix,
    };
}
