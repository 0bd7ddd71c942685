using Registry.Core.Snapshots;

namespace Registry.Core.Usage;

/// <summary>Usage records and their aggregates, kept apart from the definitions: usage is not a definition change.</summary>
public interface IUsageStore
{
    /// <summary>For each reference: whether the feature exists and, if it has that version, the version as published.</summary>
    Task<IReadOnlyList<VersionLookup>> FindVersionsAsync(IReadOnlyCollection<VersionRef> versions, CancellationToken ct);

    /// <summary>
    /// Appends several requests' records in one transaction (group commit, ADR 0040) and, in it, adds them to each
    /// feature's usage_count and moves its last_used_at forward, without touching the definition's revision. Each member
    /// is all or nothing: one naming a feature that no longer exists is left out (its result names the features) and the
    /// others are stored. Any other failure throws, and nothing of the group is stored. Results are in member order,
    /// each member's records in input order.
    /// </summary>
    Task<IReadOnlyList<UsageGroupResult>> RecordGroupAsync(IReadOnlyList<IReadOnlyList<FeatureUsage>> members, CancellationToken ct);

    /// <summary>Newest first by usage_timestamp, then by id.</summary>
    Task<UsagePage> ListAsync(string featureName, int skip, int limit, CancellationToken ct);

    /// <summary>The figures overall and per version; every environment is present, with 0 when unused.</summary>
    Task<UsageStatistics> GetStatisticsAsync(string featureName, CancellationToken ct);

    /// <summary>
    /// Appends the entry to the snapshot's audit log and records the member usage records exactly as
    /// <see cref="RecordGroupAsync"/> does for one member, all in one transaction: all or nothing.
    /// </summary>
    Task<RecordedSnapshotUsage> RecordSnapshotUsageAsync(SnapshotUsage entry, IReadOnlyList<FeatureUsage> records, CancellationToken ct);

    /// <summary>A snapshot's audit log, newest first by usage_timestamp, then by id.</summary>
    Task<SnapshotUsagePage> ListSnapshotUsageAsync(Guid snapshotId, int skip, int limit, CancellationToken ct);
}

/// <summary>One member of a group: its records as stored, or the features it names that no longer exist.</summary>
public sealed record UsageGroupResult(IReadOnlyList<FeatureUsage>? Stored, IReadOnlyList<string> MissingFeatures)
{
    public static UsageGroupResult Recorded(IReadOnlyList<FeatureUsage> stored) => new(stored, []);

    public static UsageGroupResult Missing(IReadOnlyList<string> features) => new(null, features);
}
