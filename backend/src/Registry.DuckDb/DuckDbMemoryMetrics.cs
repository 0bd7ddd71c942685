using System.Diagnostics.Metrics;
using DuckDB.NET.Data;

namespace Registry.DuckDb;

/// <summary>
/// What DuckDB itself says it holds (<c>duckdb_memory()</c>), by tag, read at each scrape: the buffer pool of the values
/// file (BASE_TABLE), indexes (ART_INDEX), joins and sorts under way, and what they spilled to disk. The memory limit
/// bounds the sum; ART_INDEX is the part that grows with the number of features read (about 0.5 MiB each, held until
/// the process stops), which is why operators size <c>DuckDb:MemoryLimit</c> by it (docs/operations.md).
/// </summary>
/// <remarks>
/// On a meter of the host's factory, so that two hosts in one process each report their own database. Nothing is
/// reported until the database is open, nor when it cannot answer: a scrape never waits for the open or fails with it.
/// </remarks>
public sealed class DuckDbMemoryMetrics
{
    private const string Sql = "SELECT tag, memory_usage_bytes, temporary_storage_bytes FROM duckdb_memory()";

    private readonly DuckDbOpening _opening;
    private readonly Lock _gate = new();
    private (long At, List<(string Tag, long Memory, long Temporary)> Rows)? _last;

    public DuckDbMemoryMetrics(DuckDbOpening opening, IMeterFactory meters)
    {
        _opening = opening;
        var meter = meters.Create(DuckDbMetrics.MeterName);
        meter.CreateObservableGauge("registry.duckdb.memory.usage", () => Read(temporary: false), "By",
            "Memory DuckDB holds, by its tag (BASE_TABLE, ART_INDEX, HASH_TABLE, …); the sum is bounded by DuckDb:MemoryLimit.");
        meter.CreateObservableGauge("registry.duckdb.temporary_storage.usage", () => Read(temporary: true), "By",
            "What DuckDB has spilled to its temp directory, by tag.");
    }

    private List<Measurement<long>> Read(bool temporary)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (tag, memory, spilled) in Rows())
        {
            var bytes = temporary ? spilled : memory;
            // Tags with nothing held stay out: most of DuckDB's 20-odd tags are zero almost always.
            if (bytes > 0) measurements.Add(new(bytes, new KeyValuePair<string, object?>("tag", tag)));
        }
        return measurements;
    }

    /// <summary>One read serves both gauges of a scrape (they are observed one after the other).</summary>
    private List<(string Tag, long Memory, long Temporary)> Rows()
    {
        if (!_opening.IsOpen) return [];
        lock (_gate)
        {
            var now = Environment.TickCount64;
            if (_last is { } last && now - last.At < 1000) return last.Rows;
            var rows = new List<(string, long, long)>();
            try
            {
                using var c = _opening.Database.Rent();
                using var r = c.Query(Sql);
                while (r.Read()) rows.Add((r.GetString(0), r.GetInt64(1), r.GetInt64(2)));
            }
            catch (Exception e) when (e is DuckDBException or ObjectDisposedException)
            {
                return []; // closing, or broken: readiness says which
            }
            _last = (now, rows);
            return rows;
        }
    }
}
