namespace Registry.Tests.Infrastructure;

/// <summary>
/// The servers the tests start (<see cref="TestCluster"/>, <see cref="TestRedis"/>) live in temporary folders named
/// prefix-pid-guid after the test process that owns them; a run whose process is gone left them behind.
/// </summary>
public static class TestProcesses
{
    public static bool IsAlive(int pid)
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

    /// <summary>The temporary folders matching <paramref name="pattern"/> (prefix-pid-…) whose owning process has exited.</summary>
    public static IEnumerable<string> Leftovers(string pattern) =>
        Directory.GetDirectories(Path.GetTempPath(), pattern).Where(dir =>
        {
            var parts = Path.GetFileName(dir).Split('-');
            return parts.Length >= 3 && int.TryParse(parts[2], out var owner) && !IsAlive(owner);
        });
}
