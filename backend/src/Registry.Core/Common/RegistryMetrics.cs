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

    public static void RowsIngested(long written, long unchanged)
    {
        if (written > 0) Ingested.Add(written, new KeyValuePair<string, object?>("result", "written"));
        if (unchanged > 0) Ingested.Add(unchanged, new KeyValuePair<string, object?>("result", "unchanged"));
    }

    public static void RowsRejected(long rows, string reason) =>
        Rejected.Add(rows, new KeyValuePair<string, object?>("reason", reason));
}
