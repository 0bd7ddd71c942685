using System.Diagnostics;

namespace Registry.Benchmarks;

/// <summary>One measured case: latencies of every timed iteration, and what the last call returned.</summary>
internal sealed record CaseResult(string Id, string Title, string Request, int Iterations, double P50, double P99, double Max, double Mean, string Returned,
    long? ResponseBytes)
{
    public static CaseResult From(string id, string title, string request, double[] millis, string returned, long? responseBytes)
    {
        Array.Sort(millis);
        return new CaseResult(id, title, request, millis.Length, Percentile(millis, 0.50), Percentile(millis, 0.99), millis[^1], millis.Average(), returned, responseBytes);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

internal static class Measurement
{
    /// <summary>Runs <paramref name="operation"/> <paramref name="warmup"/> times untimed, then <paramref name="iterations"/> times under a Stopwatch.</summary>
    public static async Task<(double[] Millis, T Last)> TimeAsync<T>(int warmup, int iterations, Func<Task<T>> operation)
    {
        var last = default(T)!;
        for (var i = 0; i < warmup; i++) last = await operation();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var millis = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            last = await operation();
            millis[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return (millis, last);
    }
}
