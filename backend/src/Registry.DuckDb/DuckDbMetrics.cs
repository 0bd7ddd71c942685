using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Registry.DuckDb;

/// <summary>
/// How long DuckDB takes to execute each statement (meter "Registry.DuckDb"), measured where every query, prepared
/// or not, enters libduckdb, by its kind (select, insert, copy, commit, …) so that ingests and reads can be told apart.
/// </summary>
public static class DuckDbMetrics
{
    public const string MeterName = "Registry.DuckDb";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram("registry.duckdb.statement.duration", "s",
        "Time DuckDB took to execute a statement, by kind (the first SQL keyword).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30] });

    private static readonly string[] Kinds = ["select", "with", "insert", "update", "delete", "create", "drop", "copy", "describe", "begin", "commit", "rollback", "set"];

    internal static void Record(long startTimestamp, string kind)
    {
        if (Duration.Enabled)
            Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("statement", kind));
    }

    /// <summary>The statement's first keyword when it is one of a fixed few, else "other": the tag's values stay bounded.</summary>
    internal static string KindOf(string sql)
    {
        var span = sql.AsSpan().TrimStart();
        var end = 0;
        while (end < span.Length && char.IsAsciiLetter(span[end])) end++;
        var word = span[..end];
        foreach (var kind in Kinds)
        {
            if (word.Equals(kind, StringComparison.OrdinalIgnoreCase)) return kind == "with" ? "select" : kind;
        }
        return "other";
    }
}
