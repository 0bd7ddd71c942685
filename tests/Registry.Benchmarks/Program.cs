using System.Diagnostics;
using Registry.Postgres.LocalCluster;

namespace Registry.Benchmarks;

/// <summary>
/// Issue 4's numbers: recursive lineage over a 10,000-node graph to depth 10 (≤ 50 ms) and impact with 100,000 usage
/// records (≤ 200 ms). Issue 5's: bulk ingest of 1 M rows through the API at ≥ 50 % of the raw DuckDB appender's rate,
/// and the latest value of one entity in ≤ 1 ms p99 inside the service. Prints a Markdown section for each; a full run
/// also writes them into docs/benchmarks.md.
/// Not named Program: that name is the API's entry point, which WebApplicationFactory&lt;Program&gt; hosts.
/// </summary>
internal static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        BenchmarkOptions options;
        try
        {
            options = BenchmarkOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        // WebApplicationFactory looks for MvcTestingAppManifest.json (the API's content root) in the working directory,
        // which is where a test runner puts it; `dotnet run` starts in the repository root instead.
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Let the run unwind, so the API and the PostgreSQL cluster are stopped and the folders removed.
            e.Cancel = true;
            cts.Cancel();
        };

        var clock = Stopwatch.StartNew();
        try
        {
            var dataDir = Path.Combine(Path.GetTempPath(), $"registry-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");
            LineageBenchmark.Log($"starting PostgreSQL in {dataDir}");
            // Declared first, disposed last: each section's API stops before the database does, on success and on failure alike.
            await using var cluster = await LocalPostgresCluster.StartAsync(dataDir, deleteOnDispose: true, ct: cts.Token);

            var lineage = await LineageBenchmark.RunAsync(options, cluster, cts.Token);
            var markdown = LineageReport.ToMarkdown(lineage);
            Console.WriteLine(markdown);
            // Each section is written as soon as it is measured, so a later failure does not lose it. A smoke run only prints.
            if (!options.Smoke) LineageBenchmark.Log($"written to {LineageReport.WriteToDocs(markdown)}");

            var values = await ValuesBenchmark.RunAsync(options, cluster, cts.Token);
            markdown = ValuesReport.ToMarkdown(values);
            Console.WriteLine();
            Console.WriteLine(markdown);
            if (!options.Smoke) LineageBenchmark.Log($"written to {ValuesReport.WriteToDocs(markdown)}");

            var met = LineageReport.AllTargetsMet(lineage) && ValuesReport.AllTargetsMet(values);
            LineageBenchmark.Log($"{(met ? "all targets met" : "TARGET MISSED")}; finished in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            LineageBenchmark.Log("cancelled");
            return 130;
        }
        catch (Exception e)
        {
            LineageBenchmark.Log($"failed after {clock.Elapsed.TotalSeconds:F1} s: {e}");
            return 1;
        }
    }
}
