using Registry.Core.Features;
using Registry.Core.Usage;

namespace Registry.Core.Snapshots;

/// <summary>
/// A point-in-time training set of a feature set version over a time range, written once as Parquet files (one per
/// UTC day) and recorded with what proves its content: the files' SHA-256s and one checksum over them. Immutable: the
/// database refuses any update or delete of the record, and the files live under a directory of their own.
/// </summary>
public sealed record Snapshot
{
    /// <summary>A UUID (version 7, so ids sort by creation); also the name of the snapshot's directory under the root.</summary>
    public required Guid Id { get; init; }
    public required string FeatureSetName { get; init; }
    /// <summary>The set version as published.</summary>
    public required string FeatureSetVersion { get; init; }
    /// <summary>Label instants are in [From, To).</summary>
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    /// <summary>One of <see cref="SnapshotTimeframes.All"/>: a grid step, or <c>raw</c> (every stored event time).</summary>
    public required string Timeframe { get; init; }
    /// <summary>The entities asked for; null means every entity with a value in the range.</summary>
    public IReadOnlyList<string>? EntityIds { get; init; }
    public required long RowCount { get; init; }
    /// <summary>Ordered by path (and so by day).</summary>
    public required IReadOnlyList<SnapshotFile> Files { get; init; }
    /// <summary>SHA-256 of the manifest (see <see cref="SnapshotChecksum"/>), lowercase hex.</summary>
    public required string Checksum { get; init; }
    /// <summary>The columns after entity_id and ts, in member order, with the statistics of their values in the snapshot.</summary>
    public required IReadOnlyList<SnapshotFeature> Features { get; init; }
    /// <summary>Free text: what the client sent, or the name of the key that made it (null only in old records).</summary>
    public string? CreatedBy { get; init; }
    /// <summary>The id of the API key that made it (recorded by the server, not the client); null before it was recorded.</summary>
    public string? CreatedByKey { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One Parquet file: its path relative to the snapshot's directory (<c>{feature_set}/{timeframe}/YYYYMMDD.parquet</c>).</summary>
public sealed record SnapshotFile(string Path, long Rows, long Bytes, string Sha256);

/// <summary>A member as it was written: the pinned version, the contract its values are in, and their statistics.</summary>
public sealed record SnapshotFeature(string FeatureName, string FeatureVersion, int ContractMajor, DataType DataType, FeatureNormalization Statistics);

/// <summary>
/// Per-feature statistics over a snapshot's rows, for z-scores as scikit-learn's StandardScaler computes them:
/// <see cref="Count"/> non-null values, their mean, population standard deviation (ddof = 0), min and max. All but
/// the count are null for non-numeric features and for a feature with no value in the snapshot.
/// </summary>
public sealed record FeatureNormalization(string FeatureName, string FeatureVersion, long Count, double? Mean, double? Std, double? Min, double? Max);

/// <summary>A snapshot's normalization statistics, in member order: what serving applies to reproduce the training-time transform.</summary>
public sealed record SnapshotNormalization(Guid SnapshotId, string FeatureSetName, string FeatureSetVersion, IReadOnlyList<FeatureNormalization> Features);

/// <summary>One entry of a snapshot's audit log: a model (version, run) that trained on it.</summary>
public sealed record SnapshotUsage
{
    /// <summary>Assigned by the store; 0 until stored.</summary>
    public long Id { get; init; }
    public required Guid SnapshotId { get; init; }
    public required string UsedByModel { get; init; }
    public required string ModelVersion { get; init; }
    public required UsageEnvironment Environment { get; init; }
    /// <summary>The training run.</summary>
    public required string ExecutionId { get; init; }
    public DateTimeOffset UsageTimestamp { get; init; }
    /// <summary>Set by the store.</summary>
    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>An audit log entry with the usage records it added for each member feature version.</summary>
public sealed record RecordedSnapshotUsage(SnapshotUsage Usage, IReadOnlyList<FeatureUsage> FeatureUsage);
