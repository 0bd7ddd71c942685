using System.Globalization;
using static System.FormattableString;

namespace Registry.Benchmarks;

/// <summary>
/// What the API's own /metrics says of its memory and collections at one moment: the profile beside a figure (where a
/// peak's memory sits, how many collections a latency window held), read the way an operator's Prometheus would.
/// </summary>
internal sealed record ApiMetrics(long WorkingSet, long GcHeap, long GcCommitted, IReadOnlyDictionary<string, long> DuckDb, long Gen0, long Gen1, long Gen2,
    double PauseSeconds, long Allocated)
{
    public static async Task<ApiMetrics> ReadAsync(HttpClient client, CancellationToken ct)
    {
        var text = await client.GetStringAsync("metrics", ct);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#')) continue;
            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) samples[line[..space]] = v;
        }
        long Get(string name) => (long)samples.GetValueOrDefault(name);
        const string duck = "registry_duckdb_memory_usage_bytes{tag=\"";
        var duckDb = samples.Where(s => s.Key.StartsWith(duck, StringComparison.Ordinal))
            .ToDictionary(s => s.Key[duck.Length..^2], s => (long)s.Value, StringComparer.Ordinal);
        var heap = samples.Where(s => s.Key.StartsWith("dotnet_gc_last_collection_heap_size_bytes{", StringComparison.Ordinal)).Sum(s => (long)s.Value);
        string Gen(int g) => $"dotnet_gc_collections_total{{gc_heap_generation=\"gen{g}\"}}";
        return new ApiMetrics(Get("dotnet_process_memory_working_set_bytes"), heap, Get("dotnet_gc_last_collection_memory_committed_size_bytes"), duckDb, Get(Gen(0)), Get(Gen(1)), Get(Gen(2)),
            samples.GetValueOrDefault("dotnet_gc_pause_time_seconds_total"), Get("dotnet_gc_heap_total_allocated_bytes_total"));
    }

    public long DuckDbTotal => DuckDb.Values.Sum();

    /// <summary>"working set 1,234 MiB: DuckDB 800 MiB (BASE_TABLE 300, ART_INDEX 500), .NET heap 200 MiB at its last collection".</summary>
    public string Memory() =>
        Invariant($"working set {Mib(WorkingSet)}: DuckDB {Mib(DuckDbTotal)}") +
        (DuckDb.Count == 0 ? "" : " (" + string.Join(", ", DuckDb.Where(d => d.Value >= 1 << 20).OrderByDescending(d => d.Value)
            .Select(d => Invariant($"{d.Key} {d.Value / 1048576.0:N0}"))) + ")") +
        Invariant($", .NET heap {Mib(GcHeap)} ({Mib(GcCommitted)} committed) at its last collection");

    /// <summary>
    /// Reads /metrics every <paramref name="every"/> until <paramref name="done"/> completes; the read with the largest
    /// working set: what the memory was made of nearest the peak (each read costs the API well under a millisecond).
    /// </summary>
    public static async Task<ApiMetrics?> LargestWhileAsync(HttpClient client, Task done, TimeSpan every, CancellationToken ct)
    {
        ApiMetrics? largest = null;
        while (!done.IsCompleted)
        {
            try
            {
                var m = await ReadAsync(client, ct);
                if (largest is null || m.WorkingSet > largest.WorkingSet) largest = m;
            }
            catch (HttpRequestException) { /* the request under way failed: its own error is the one reported */ }
            await Task.WhenAny(done, Task.Delay(every, ct));
        }
        return largest;
    }

    /// <summary>The collections between <paramref name="before"/> and this read, per answer of the window.</summary>
    public string CollectionsSince(ApiMetrics before, long answers) =>
        Invariant($"{Gen0 - before.Gen0} gen0, {Gen1 - before.Gen1} gen1, {Gen2 - before.Gen2} gen2 collections over {answers:N0} answers ") +
        Invariant($"({(Allocated - before.Allocated) / 1048576.0:N0} MiB allocated, {(Allocated - before.Allocated) / (double)Math.Max(1, answers) / 1024:N0} KB per answer), ") +
        Invariant($"{(PauseSeconds - before.PauseSeconds) * 1000:N0} ms paused");

    private static string Mib(long bytes) => Invariant($"{bytes / 1048576.0:N0} MiB");
}
