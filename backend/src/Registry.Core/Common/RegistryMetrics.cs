using System.Diagnostics.Metrics;

namespace Registry.Core.Common;

/// <summary>
/// The registry's own instruments (meter "Registry"), published through System.Diagnostics.Metrics so that any
/// listener can collect them; the API renders them at /metrics. Tags stay low-cardinality: no feature names.
/// </summary>
public static class RegistryMetrics
{
    public const string MeterName = "Registry";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Ingested = Meter.CreateCounter<long>("registry.values.rows_ingested", "{row}",
        "Rows of accepted value batches (ingest and materialize), by result: written, or unchanged (already stored).");

    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("registry.values.rows_rejected", "{row}",
        "Rows of refused value batches, by reason: invalid_rows (a row could not be stored), blocking_rule (strict policy).");

    private static readonly Counter<long> OnlineReads = Meter.CreateCounter<long>("registry.online.values_read", "{value}",
        "Values read from the online store (Redis) by result: hit (a value held), miss (none held for that feature, contract and entity).");

    private static readonly Counter<long> OnlineWriteFailures = Meter.CreateCounter<long>("registry.online.write_failures", "{commit}",
        "Commits whose latest values could not be written to the online store; each leaves a repair pending.");

    private static Func<(long Pending, double LagSeconds)>? _onlineRepair;

    static RegistryMetrics()
    {
        Meter.CreateObservableGauge("registry.online.repair_pending", () => _onlineRepair?.Invoke().Pending ?? 0, "{feature}",
            "Features whose latest values committed to DuckDB are not yet all in the online store.");
        Meter.CreateObservableGauge("registry.online.repair_lag_seconds", () => _onlineRepair?.Invoke().LagSeconds ?? 0, "s",
            "Age of the oldest commit not yet written to the online store (0 when none is pending).");
    }

    public static void OnlineRead(long hits, long misses)
    {
        if (hits > 0) OnlineReads.Add(hits, new KeyValuePair<string, object?>("result", "hit"));
        if (misses > 0) OnlineReads.Add(misses, new KeyValuePair<string, object?>("result", "miss"));
    }

    public static void OnlineWriteFailed() => OnlineWriteFailures.Add(1);

    /// <summary>The values owner's repair backlog, observed when metrics are collected.</summary>
    public static void ObserveOnlineRepair(Func<(long Pending, double LagSeconds)> source) => _onlineRepair = source;

    public static void RowsIngested(long written, long unchanged)
    {
        if (written > 0) Ingested.Add(written, new KeyValuePair<string, object?>("result", "written"));
        if (unchanged > 0) Ingested.Add(unchanged, new KeyValuePair<string, object?>("result", "unchanged"));
    }

    public static void RowsRejected(long rows, string reason) =>
        Rejected.Add(rows, new KeyValuePair<string, object?>("reason", reason));
}
