using System.Diagnostics;
using System.Runtime.Versioning;

// Linux only: the API's memory comes from /proc, the load from Debian's wrk.
[assembly: SupportedOSPlatform("linux")]

namespace Registry.Benchmarks;

/// <summary>
/// The performance harness of DESIGN.md §5 (issue 9), one command: in-process hot paths (BenchmarkDotNet), then a fresh
/// PostgreSQL cluster and DuckDB file, the real API as a separate Release process, a generated dataset, the HTTP cases under
/// wrk at several concurrencies, bulk ingest, training sets and the Feast #3003 shape, each against the raw engine doing the
/// same work in the same run. A full run writes its section of docs/benchmarks.md; --smoke runs small and only prints.
/// Not named Program: that name is the API's entry point, which this project references.
/// </summary>
internal static class Harness
{
    public static async Task<int> Main(string[] args)
    {
        HarnessOptions options;
        try
        {
            options = HarnessOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Let the run unwind, so the API and the PostgreSQL cluster are stopped (or the MongoDB database dropped) and the folders removed.
            e.Cancel = true;
            cts.Cancel();
        };

        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var folder = Directory.CreateTempSubdirectory("registry-harness-").FullName;
        // The cluster runs as postgres when the harness runs as root, and must reach its folder inside this one.
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        try
        {
            var wrk = Wrk.Version();
            // A MongoDB named by REGISTRY_BENCH_MONGODB must answer now, not after the hot paths' minutes.
            await BenchStore.CheckConfiguredAsync(cts.Token);
            HotPathRun? hot = null;
            if (options.Only is null)
            {
                Log($"in-process hot paths (BenchmarkDotNet, {(options.Smoke ? "dry" : "short")} job)");
                hot = HotPathRunner.Run(options.Smoke, Path.Combine(folder, "bdn"));
            }

            // Declared first, disposed last: the API stops before the database does, on success and on failure alike.
            await using var store = await BenchStore.StartAsync(folder, cts.Token);
            var connectionString = store.ConnectionString;
            var machine = MachineInfo.Read(store.Description, wrk);

            var values = Directory.CreateDirectory(Path.Combine(folder, "api")).FullName;
            long loaderPeak;
            Dataset data;
            var rawPath = Path.Combine(folder, "raw.duckdb");
            await using (var loader = await ApiProcess.StartAsync(connectionString, Path.Combine(values, "values.duckdb"), cts.Token)) // migrates at start
            {
                Log($"API (pid {loader.Pid}) on {loader.BaseAddress}");
                using var loaderClient = loader.CreateClient();
                data = await Generator.GenerateAsync(options.Dataset, store, loaderClient, rawPath, folder, withValues: options.NeedsValues, cts.Token);
                Log($"dataset ready: definitions {data.Definitions.TotalSeconds:F1} s, large graph {data.Graph.TotalSeconds:F1} s, usage {data.Usage.TotalSeconds:F1} s, values generated {data.ValuesGenerated.TotalSeconds:F1} s, ingested {data.ValuesIngested.TotalSeconds:F1} s");
                loaderPeak = loader.LifetimePeakBytes;
            }

            // The bulk load fired a notification per row and edge (110,000 definitions at once, which no registry sees in
            // use); the API that loaded it would still be working through them during the first cases. The cases run
            // on a fresh API, which hears only what happens from its start.
            await using var api = await ApiProcess.StartAsync(connectionString, Path.Combine(values, "values.duckdb"), cts.Token);
            Log($"API restarted (pid {api.Pid}) on {api.BaseAddress}");
            using var client = api.CreateClient();

            var http = await HttpCases.RunAsync(options, api, client, store, data, rawPath, folder, cts.Token);
            var startGet = $"/api/v1/features/{data.Bottom}";
            if (options.Only is not null)
            {
                // The value cases as the full run runs them; their figures are in the log.
                if (options.Runs("ingest")) await WorkCases.IngestCasesAsync(options, api, client, folder, cts.Token);
                if (options.Runs("online_wide")) await HttpCases.WideAsync(options, api, client, data, rawPath, cts.Token);
                if (options.Runs("training")) await WorkCases.TrainingCasesAsync(options, api, client, data, rawPath, folder, cts.Token);
                if (options.Runs("feast")) await WorkCases.FeastCasesAsync(options, api, client, data, folder, cts.Token);
                await api.DisposeAsync();
                var focusedStart = options.Runs("start")
                    ? await StartCases.RunAsync(connectionString, Path.Combine(values, "values.duckdb"), startGet, StartRounds, cts.Token)
                    : null;
                // The replica cases restart the API as the owner with Redis on; their figures are in the log.
                if (options.Runs("online_store"))
                    await OnlineStoreCases.RunAsync(options, connectionString, Path.Combine(values, "values.duckdb"), data, folder, cts.Token);
                Console.WriteLine(Report.Focused(options, machine, data, http, focusedStart));
                return 0;
            }
            var work = await WorkCases.RunAsync(options, api, client, data, rawPath, folder, cts.Token);
            var apiPeak = Math.Max(loaderPeak, api.LifetimePeakBytes);
            // The values file is released, so the online store's cases can restart the API as its owner with Redis on.
            await api.DisposeAsync();
            var start = await StartCases.RunAsync(connectionString, Path.Combine(values, "values.duckdb"), startGet, StartRounds, cts.Token);
            var online = await OnlineStoreCases.RunAsync(options, connectionString, Path.Combine(values, "values.duckdb"), data, folder, cts.Token);
            var run = new HarnessRun(options, machine, started, clock.Elapsed, MachineInfo.LoadAverage(), data, http, work, hot!, apiPeak, api.Dll, online, start);
            var markdown = Report.ToMarkdown(run);
            Console.WriteLine(markdown);
            if (!options.Smoke) Log($"written to {Report.WriteToDocs(markdown)}");
            var missed = Report.Verdicts(run).Count(v => v.Met == false);
            Log($"{(missed == 0 ? "every measured target met" : $"{missed} target(s) missed")}; finished in {clock.Elapsed.TotalMinutes:F1} min");
            return 0;
        }
        catch (BenchConfigurationException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Log("cancelled");
            return 130;
        }
        catch (Exception e)
        {
            Log($"failed after {clock.Elapsed.TotalSeconds:F1} s: {e}");
            return 1;
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { /* best effort: it is under the temp folder */ }
            catch (UnauthorizedAccessException) { /* the cluster's files, if it could not be stopped */ }
        }
    }

    private const int StartRounds = 3;

    public static void Log(string message) => Console.Error.WriteLine($"[bench {DateTime.UtcNow:HH:mm:ss}] {message}");
}
