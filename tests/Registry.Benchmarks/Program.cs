using System.Diagnostics;

namespace Registry.Benchmarks;

/// <summary>
/// Issue 4's numbers: recursive lineage over a 10,000-node graph to depth 10 (≤ 50 ms) and impact with 100,000 usage
/// records (≤ 200 ms). Prints a Markdown section; a full run also writes it into docs/benchmarks.md.
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
            // Let the run unwind, so the API and the PostgreSQL cluster are stopped and the folder removed.
            e.Cancel = true;
            cts.Cancel();
        };

        var clock = Stopwatch.StartNew();
        try
        {
            var run = await LineageBenchmark.RunAsync(options, cts.Token);
            var markdown = LineageReport.ToMarkdown(run);
            Console.WriteLine(markdown);
            if (!options.Smoke) LineageBenchmark.Log($"written to {LineageReport.WriteToDocs(markdown)}");
            LineageBenchmark.Log($"{(LineageReport.AllTargetsMet(run) ? "all targets met" : "TARGET MISSED")}; finished in {clock.Elapsed.TotalSeconds:F1} s");
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
