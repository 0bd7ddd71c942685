using System.Globalization;
using System.Text;

namespace Registry.Benchmarks;

/// <summary>The Markdown section of issue 5 for docs/benchmarks.md, between the values markers.</summary>
internal static class ValuesReport
{
    public const string BeginMarker = "<!-- values:begin -->";
    public const string EndMarker = "<!-- values:end -->";
    public const double IngestTargetRatio = 0.5;
    public const double LatestTargetMs = 1;
    public const int IssueRows = 1_000_000;

    public static string ToMarkdown(ValuesRun run)
    {
        var o = run.Options;
        var shape = o.Values;
        var sb = new StringBuilder();
        void Line(FormattableString s) => sb.Append(s.ToString(CultureInfo.InvariantCulture)).Append('\n');

        Line($"## Bulk ingest and latest values (issue 5){(o.Smoke ? " — smoke run, not the issue's shape" : "")}");
        Line($"");
        Line($"- Command: `{o.CommandLine}`");
        Line($"- Run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC; machine: {BenchmarkDocs.Machine}, DuckDB {run.DuckDbVersion} (our P/Invoke layer), PostgreSQL for the feature definitions (throwaway local cluster, same machine)");
        Line($"- Data: N = {shape.Rows:N0} rows of a float feature over {shape.Entities:N0} entities (`entity_00000`…, one event a minute each, {shape.Rows / shape.Entities:N0} per entity), the same rows in every case; the bodies were written by DuckDB `COPY` before any timing ({run.Preparation.TotalSeconds:F1} s)");
        Line($"- Ingest: the API is served by Kestrel on a loopback socket ({run.ServerUrl}), in the benchmark's process; a case is timed from sending the request to the last byte of the answer, so it includes the body's upload, spooling it to a file, staging, the row checks, the transaction and the latest-value upsert. After one uncounted warm-up round of every case, each of (r), (r7), (a) and (b) ran {shape.Repeats} time(s), interleaved (r, r7, a, b, r, …), (a) and (b) each time into a new feature; the table shows the median, every ratio is to the median of (r), and the verdicts use the medians");
        Line($"- Latest: {shape.LatestWarmup:N0} warm-up calls, then {shape.LatestIterations:N0} timed calls one after another (Stopwatch), cycling over the {shape.Entities:N0} entities of `{run.LatestFeature}` after its ingest, one entity per call");
        Line($"");
        Line($"| case | what is timed | body | runs (s) | median s | rows/s | ratio to raw |");
        Line($"|---|---|--:|---|--:|--:|--:|");
        Ingest(sb, run, run.Raw);
        foreach (var c in run.Ingest) Ingest(sb, run, c);
        Line($"");
        Line($"| case | what is timed | iterations | p50 ms | p99 ms | max ms | mean ms | returned |");
        Line($"|---|---|--:|--:|--:|--:|--:|---|");
        foreach (var c in run.Latest)
            Line($"| ({c.Id}) {c.Title} | {c.Request} | {c.Iterations:N0} | {c.P50:F3} | {c.P99:F3} | {c.Max:F3} | {c.Mean:F3} | {c.Returned} |");
        Line($"");
        if (o.Smoke) Line($"Smoke run: {shape.Rows:N0} rows, one run of each case and {shape.LatestIterations} latest calls; the verdicts below only show the report works.");
        if (o.Smoke) Line($"");
        Line($"| target (issue 5) | measured | verdict |");
        Line($"|---|--:|---|");
        foreach (var (id, format) in new[] { ("a", "CSV"), ("b", "Parquet") })
        {
            var ratio = run.Ratio(id);
            Verdict(sb, $"bulk ingest through the API as {format}, ≥ {IssueRows:N0} rows, ≥ {IngestTargetRatio:P0} of the raw appender's rows/s (r)",
                $"{run.Case(id).RowsPerSecond:N0} rows/s = {ratio:P0} (best run to best run: {run.Case(id).BestRowsPerSecond / run.Raw.BestRowsPerSecond:P0}; median to r7: {run.Case(id).RowsPerSecond / run.Case("r7").RowsPerSecond:P0})",
                ratio >= IngestTargetRatio && shape.Rows >= IssueRows);
        }
        Verdict(sb, $"latest value of one entity inside the service, p99 ≤ {LatestTargetMs:F0} ms", $"{run.LatestService.P99:F3} ms",
            run.LatestService.P99 <= LatestTargetMs);
        return sb.ToString().TrimEnd('\n');
    }

    public static bool AllTargetsMet(ValuesRun run) =>
        run.Ratio("a") >= IngestTargetRatio && run.Ratio("b") >= IngestTargetRatio && run.LatestService.P99 <= LatestTargetMs
        && run.Options.Values.Rows >= IssueRows;

    /// <summary>Writes the section into docs/benchmarks.md between the values markers; returns the path.</summary>
    public static string WriteToDocs(string section) => BenchmarkDocs.WriteSection(BeginMarker, EndMarker, section);

    private static void Ingest(StringBuilder sb, ValuesRun run, IngestCase c)
    {
        var body = c.BodyBytes > 0 ? Invariant($"{c.BodyBytes / 1048576.0:F1} MiB") : "in memory";
        var runs = string.Join(", ", c.Seconds.Select(s => Invariant($"{s:F2}")));
        sb.Append(CultureInfo.InvariantCulture,
            $"| ({c.Id}) {c.Title} | {c.What} | {body} | {runs} | {c.MedianSeconds:F2} | {c.RowsPerSecond:N0} | {c.RowsPerSecond / run.Raw.RowsPerSecond:P0} |").Append('\n');
    }

    private static void Verdict(StringBuilder sb, FormattableString target, FormattableString measured, bool met) =>
        sb.Append(CultureInfo.InvariantCulture, $"| {target} | {measured} | {(met ? "met" : "missed")} |").Append('\n');

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
