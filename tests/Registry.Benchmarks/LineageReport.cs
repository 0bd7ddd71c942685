using System.Globalization;
using System.Text;

namespace Registry.Benchmarks;

/// <summary>The Markdown section for docs/benchmarks.md, and its place in that file between the lineage markers.</summary>
internal static class LineageReport
{
    public const string BeginMarker = "<!-- lineage:begin -->";
    public const string EndMarker = "<!-- lineage:end -->";
    public const double LineageTargetMs = 50;
    public const double ImpactTargetMs = 200;

    public static string ToMarkdown(LineageRun run)
    {
        var o = run.Options;
        var g = run.Graph;
        var byId = run.Cases.ToDictionary(c => c.Id);
        var sb = new StringBuilder();
        void Line(FormattableString s) => sb.Append(s.ToString(CultureInfo.InvariantCulture)).Append('\n');

        Line($"## Recursive lineage and impact (issue 4){(o.Smoke ? " — smoke run, not the issue's shape" : "")}");
        Line($"");
        Line($"- Command: `{o.CommandLine}`");
        Line($"- Run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC; machine: {BenchmarkDocs.Machine}, PostgreSQL {run.PostgresVersion} (throwaway local cluster, same machine)");
        Line($"- Graph: {g.Features:N0} features in {g.Layers} layers of {g.Width:N0}, {g.Edges:N0} edges (each feature of layers 1–{g.Layers - 1} reads features i and i+1 of the layer above, every tenth also i+{g.Width / 2}); {g.UsageRows:N0} usage rows from {g.Models} models × 3 versions × 3 environments over the last 60 days, about {g.UsageRows / g.Features:N0} per feature; seeded with generate_series in {g.Elapsed.TotalSeconds:F1} s, then ANALYZE");
        Line($"- Roots: `{g.Bottom}` (deepest layer) for (a) and (d), `{g.Top}` (first layer) for (b) and (c); depth bound {BenchmarkOptions.Depth}. The graph is {g.Layers} layers deep, so a walk from either end goes {g.Layers - 1} levels before it runs out of edges");
        Line($"- Each case: {o.Warmup} warm-up calls, then {o.Iterations} timed calls one after another (Stopwatch). HTTP goes through the in-process TestServer (`WebApplicationFactory<Program>`, no sockets): routing, binding, the service, every SQL round trip and the JSON body, read to the end");
        Line($"");
        Line($"| case | what is timed | iterations | p50 ms | p99 ms | mean ms | returned | body |");
        Line($"|---|---|--:|--:|--:|--:|---|--:|");
        foreach (var c in run.Cases)
        {
            var body = c.ResponseBytes is { } bytes ? FormattableString.Invariant($"{bytes / 1024.0:F1} KiB") : "–";
            Line($"| ({c.Id}) {c.Title} | {c.Request} | {c.Iterations} | {c.P50:F2} | {c.P99:F2} | {c.Mean:F2} | {c.Returned} | {body} |");
        }
        Line($"");
        var ratio = byId["a"].P50 / byId["d"].P50;
        Line($"**Ratio, same run: HTTP lineage (a) p50 / raw SQL walk (d) p50 = {ratio:F1}×.** (d) is one statement; a lineage request runs four: the feature read, the walk asked for and the edges among its nodes, then a downstream walk to depth 100 for `total_dependents_count` (empty from a deepest-layer root). Impact runs three: the feature read, the downstream walk to depth 100, the models query.");
        Line($"");
        var s = run.Server;
        Line($"Server side, same run (EXPLAIN ANALYZE with TIMING OFF, median of 5; execution + planning, the statements are not prepared so each call is planned): walk (a) {s.WalkUp.Execution:F2} + {s.WalkUp.Planning:F2} ms; walk (b) {s.WalkDown.Execution:F2} + {s.WalkDown.Planning:F2} ms; impact's downstream walk to depth 100 {s.WalkDownImpact.Execution:F2} + {s.WalkDownImpact.Planning:F2} ms; impact's models query over {s.ImpactFeatures} features {s.Models.Execution:F2} + {s.Models.Planning:F2} ms.");
        Line($"");
        if (o.Smoke) Line($"Smoke run: {o.Iterations} samples, so p99 is about the slowest call, on a small graph; the verdicts below only show the report works.");
        if (o.Smoke) Line($"");
        Line($"| target (issue 4) | measured p99 | verdict |");
        Line($"|---|--:|---|");
        Verdict(sb, $"recursive lineage upstream, depth {BenchmarkOptions.Depth}, ≤ {LineageTargetMs:F0} ms", byId["a"].P99, LineageTargetMs);
        Verdict(sb, $"recursive lineage downstream, depth {BenchmarkOptions.Depth}, ≤ {LineageTargetMs:F0} ms", byId["b"].P99, LineageTargetMs);
        Verdict(sb, $"impact with {g.UsageRows:N0} usage records ≤ {ImpactTargetMs:F0} ms", byId["c"].P99, ImpactTargetMs);
        return sb.ToString().TrimEnd('\n');
    }

    public static bool AllTargetsMet(LineageRun run) =>
        run.Cases.Single(c => c.Id == "a").P99 <= LineageTargetMs
        && run.Cases.Single(c => c.Id == "b").P99 <= LineageTargetMs
        && run.Cases.Single(c => c.Id == "c").P99 <= ImpactTargetMs;

    private static void Verdict(StringBuilder sb, FormattableString target, double p99, double limit) =>
        sb.Append(CultureInfo.InvariantCulture, $"| {target} | {p99:F2} ms | {(p99 <= limit ? "met" : "missed")} |").Append('\n');

    /// <summary>Writes the section into docs/benchmarks.md between the lineage markers; returns the path.</summary>
    public static string WriteToDocs(string section) => BenchmarkDocs.WriteSection(BeginMarker, EndMarker, section);
}
