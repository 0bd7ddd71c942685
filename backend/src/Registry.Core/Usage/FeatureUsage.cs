namespace Registry.Core.Usage;

// Serialized snake_case on the wire and in the feature_usage.environment column.
public enum UsageEnvironment { Dev, Staging, Production }

/// <summary>
/// One record of a model (version, environment) using a feature version: the raw fact behind usage
/// statistics and impact analysis. Records are only ever appended, never changed.
/// </summary>
public sealed record FeatureUsage
{
    /// <summary>Assigned by the store; 0 until the record is stored.</summary>
    public long Id { get; init; }
    public required string FeatureName { get; init; }
    /// <summary>The version as it was published (1.0.0+build.7 when the client sent 1.0.0), so usage groups by version.</summary>
    public required string FeatureVersion { get; init; }
    public required string UsedByModel { get; init; }
    public string? ModelVersion { get; init; }
    public required UsageEnvironment Environment { get; init; }
    public double? FeatureImportance { get; init; }
    public double? CorrelationWithTarget { get; init; }
    public string? ExecutionId { get; init; }
    public double? ExecutionDurationMs { get; init; }
    /// <summary>When the model used the feature; truncated to microseconds, as PostgreSQL keeps it.</summary>
    public DateTimeOffset UsageTimestamp { get; init; }
    /// <summary>When the registry stored the record; set by the store.</summary>
    public DateTimeOffset RecordedAt { get; init; }
    /// <summary>The snapshot the model trained on, when the use was recorded through its audit log.</summary>
    public Guid? SnapshotId { get; init; }
}
