using System.Globalization;

namespace Registry.Benchmarks;

/// <summary>Start-up rounds: the API started on the database and values file the run already made, until it answers.</summary>
internal sealed record StartRun(string FirstGet, IReadOnlyList<double> LiveSeconds, IReadOnlyList<double> FirstGetSeconds)
{
    public double MedianLive => Median(LiveSeconds);

    public double MedianFirstGet => Median(FirstGetSeconds);

    /// <summary>The slowest round: the target is judged on it, since a start happens once and is not averaged away.</summary>
    public double WorstFirstGet => FirstGetSeconds.Max();

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// API start to first answered request with the database already there (issue 21): `dotnet Registry.Api.dll` (Release) on the
/// run's migrated registry database and existing values file, timed from the process start to the first 200 of /health/live
/// and of a first real GET (one definition) sent right after. The previous API must have stopped (the values file is one
/// process's). One uncounted round first, so that the file system cache holds the binaries as it does on a server restart.
/// </summary>
internal static class StartCases
{
    public static async Task<StartRun> RunAsync(string connectionString, string valuesPath, string firstGet, int rounds, CancellationToken ct)
    {
        var live = new List<double>();
        var first = new List<double>();
        for (var round = 0; round <= rounds; round++)
        {
            var (api, upAfter, answeredAfter) = await ApiProcess.StartTimedAsync(connectionString, valuesPath, firstGet, ct);
            await api.DisposeAsync();
            if (round == 0) continue;
            live.Add(upAfter.TotalSeconds);
            first.Add(answeredAfter.TotalSeconds);
            Harness.Log(string.Create(CultureInfo.InvariantCulture,
                $"(start) round {round}: /health/live after {upAfter.TotalSeconds:F2} s, first GET answered after {answeredAfter.TotalSeconds:F2} s"));
        }
        return new StartRun(firstGet, live, first);
    }
}
