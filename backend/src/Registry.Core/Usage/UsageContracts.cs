using System.ComponentModel.DataAnnotations;

namespace Registry.Core.Usage;

// Every field is nullable so that a missing one reaches the validator and comes back as a 400 keyed by its
// snake_case name, as for feature definitions.

/// <summary>One use of a feature version by a model, as an ML pipeline reports it.</summary>
public sealed class RecordUsageRequest
{
    [Required] public string? FeatureName { get; set; }
    /// <summary>A published SemVer version of the feature, e.g. 1.0.0.</summary>
    [Required] public string? FeatureVersion { get; set; }
    [Required] public string? UsedByModel { get; set; }
    [Required] public string? ModelVersion { get; set; }
    [Required] public UsageEnvironment? Environment { get; set; }
    /// <summary>The model's importance score for this feature (any scale the model uses).</summary>
    public double? FeatureImportance { get; set; }
    /// <summary>Correlation of the feature with the model's target, between -1 and 1.</summary>
    public double? CorrelationWithTarget { get; set; }
    /// <summary>The pipeline run (training job, batch scoring) that used the feature.</summary>
    public string? ExecutionId { get; set; }
    /// <summary>How long computing or reading the feature took in that run, in milliseconds (0 or more).</summary>
    public double? ExecutionDurationMs { get; set; }
    /// <summary>When the model used the feature (ISO 8601). Default: now.</summary>
    public DateTimeOffset? UsageTimestamp { get; set; }
}

/// <summary>Many uses at once, typically every feature of one training run: stored all together or not at all.</summary>
public sealed class RecordUsageBatchRequest
{
    [Required] public List<RecordUsageRequest>? Records { get; set; }
}

/// <summary>A feature and one of its versions, by SemVer precedence key (build metadata dropped).</summary>
public sealed record VersionRef(string FeatureName, string VersionKey);

/// <summary>What the store knows of a <see cref="VersionRef"/>: whether the feature exists, and the version as published.</summary>
public sealed record VersionLookup(string FeatureName, string VersionKey, bool FeatureExists, string? PublishedVersion);

public sealed record UsagePage(IReadOnlyList<FeatureUsage> Usage, long Total);

/// <summary>Aggregates over a set of usage records; averages are null when no record gave the figure.</summary>
public sealed record UsageFigures(
    long TotalUsage,
    long UniqueModels,
    IReadOnlyDictionary<UsageEnvironment, long> Environments,
    double? AvgImportance,
    double? AvgCorrelation,
    DateTimeOffset? LastUsedAt);

public sealed record VersionUsageFigures(string FeatureVersion, UsageFigures Figures);

/// <summary>A feature's usage overall and per feature version (newest version first).</summary>
public sealed record UsageStatistics(string FeatureName, UsageFigures Overall, IReadOnlyList<VersionUsageFigures> ByVersion);
