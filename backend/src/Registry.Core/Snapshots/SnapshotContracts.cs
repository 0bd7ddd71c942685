using System.ComponentModel.DataAnnotations;
using Registry.Core.Training;
using Registry.Core.Usage;

namespace Registry.Core.Snapshots;

// Request bodies double as the service's input: every field is nullable so that a missing one reaches the validator
// and comes back as a 400 keyed by its snake_case name.

/// <summary>Writes a snapshot of a feature set version over [from, to).</summary>
public sealed class CreateSnapshotRequest
{
    /// <summary>The first label instant (inclusive), ISO 8601.</summary>
    [Required] public DateTimeOffset? From { get; set; }
    /// <summary>The end of the range (exclusive).</summary>
    [Required] public DateTimeOffset? To { get; set; }
    /// <summary>1m, 5m, 15m, 30m, 1h, 4h or 1d: one row per entity at every grid instant; omitted or raw: one row per stored (entity, event time).</summary>
    public string? Timeframe { get; set; }
    /// <summary>Only these entities. Default: every entity with a value of any member in the range.</summary>
    public List<string>? EntityIds { get; set; }
    /// <summary>Who made it, free text (at most 100 characters). Default: the name of the API key that sends the request; the key's id is recorded as `created_by_key` whatever this says.</summary>
    public string? CreatedBy { get; set; }
}

/// <summary>Records that a model trained on a snapshot.</summary>
public sealed class RecordSnapshotUsageRequest
{
    [Required] public string? UsedByModel { get; set; }
    [Required] public string? ModelVersion { get; set; }
    [Required] public UsageEnvironment? Environment { get; set; }
    /// <summary>The training run (required: an audit log entry must lead back to the run).</summary>
    [Required] public string? ExecutionId { get; set; }
    /// <summary>When the model trained on the snapshot. Default: now.</summary>
    public DateTimeOffset? UsageTimestamp { get; set; }
}

public sealed record SnapshotListQuery(string? FeatureSet, int Skip, int Limit);

/// <summary>A snapshot as lists show it: the record without its files and features, with their count and total size.</summary>
public sealed record SnapshotSummary(
    Guid Id,
    string FeatureSetName,
    string FeatureSetVersion,
    DateTimeOffset From,
    DateTimeOffset To,
    string Timeframe,
    IReadOnlyList<string>? EntityIds,
    long RowCount,
    int FileCount,
    long Bytes,
    string Checksum,
    string? CreatedBy,
    string? CreatedByKey,
    DateTimeOffset CreatedAt);

/// <summary>Newest first, with the total matching the filter.</summary>
public sealed record SnapshotPage(IReadOnlyList<SnapshotSummary> Snapshots, long Total);

/// <summary>A snapshot's audit log, newest first, with the total.</summary>
public sealed record SnapshotUsagePage(IReadOnlyList<SnapshotUsage> Usage, long Total);

/// <summary>
/// What to write: the labels (a grid of <see cref="Step"/> over [From, To), or every stored key when null), the members
/// resolved to their versions, contracts and tables, in column order, and the largest number of rows allowed.
/// </summary>
public sealed record SnapshotPlan(
    Guid Id,
    string FeatureSetName,
    string Timeframe,
    TimeSpan? Step,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<string>? EntityIds,
    IReadOnlyList<PinnedFeature> Features,
    long MaxRows,
    int MaxFiles);

/// <summary>The files as placed, and the statistics of each member column (in member order).</summary>
public sealed record WrittenSnapshot(long RowCount, IReadOnlyList<SnapshotFile> Files, IReadOnlyList<FeatureNormalization> Statistics);

/// <summary>The snapshot records in the registry database.</summary>
public interface ISnapshotStore
{
    /// <summary>Stores the record, its files and features in one transaction.</summary>
    Task CreateAsync(Snapshot snapshot, CancellationToken ct);

    Task<Snapshot?> GetAsync(Guid id, CancellationToken ct);

    /// <summary>Newest first (created_at, then id).</summary>
    Task<SnapshotPage> ListAsync(SnapshotListQuery query, CancellationToken ct);
}

/// <summary>The snapshot files: computed from the values and written under the configured root.</summary>
public interface ISnapshotFileStore
{
    /// <summary>
    /// Builds the rows, writes one Parquet file per UTC day under <c>{root}/{id}/{feature_set}/{timeframe}/</c> and computes
    /// each member's statistics. The tree is written aside and moved into place whole: on any failure nothing is left,
    /// and an existing directory is never written into. Throws <see cref="Common.InvalidInputException"/> when the plan
    /// makes more than <see cref="SnapshotPlan.MaxRows"/> rows or <see cref="SnapshotPlan.MaxFiles"/> files. When no row
    /// has a value of any member, writes nothing and returns no files (with the row count and statistics).
    /// </summary>
    Task<WrittenSnapshot> WriteAsync(SnapshotPlan plan, CancellationToken ct);

    /// <summary>Removes a snapshot's tree whose record could not be stored.</summary>
    void Delete(Guid id);
}
