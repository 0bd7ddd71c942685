using Registry.Core.Usage;

namespace Registry.Api.Usage;

/// <summary>One stored usage record; <c>snapshot_id</c> is set when it was recorded as a use of that snapshot.</summary>
public sealed record FeatureUsageResponse(
    long Id,
    string FeatureName,
    string FeatureVersion,
    string UsedByModel,
    string? ModelVersion,
    UsageEnvironment Environment,
    double? FeatureImportance,
    double? CorrelationWithTarget,
    string? ExecutionId,
    double? ExecutionDurationMs,
    DateTimeOffset UsageTimestamp,
    DateTimeOffset RecordedAt,
    Guid? SnapshotId);

/// <summary>The records of a batch, in the order they were sent.</summary>
public sealed record RecordedUsageBatchResponse(int Recorded, IReadOnlyList<FeatureUsageResponse> Records);

/// <summary>A feature's usage records, newest first, with the total count.</summary>
public sealed record FeatureUsageListResponse(IReadOnlyList<FeatureUsageResponse> Usage, long Total);

/// <summary>Records per environment; every environment is present.</summary>
public sealed record EnvironmentCountsResponse(long Dev, long Staging, long Production);

/// <summary>Usage figures of one version of the feature.</summary>
public sealed record VersionUsageStatisticsResponse(
    string FeatureVersion,
    long TotalUsage,
    long UniqueModels,
    EnvironmentCountsResponse Environments,
    double? AvgImportance,
    double? AvgCorrelation,
    DateTimeOffset? LastUsedAt);

/// <summary>Usage figures of a feature overall and per version (newest version first). Averages are null without data.</summary>
public sealed record UsageStatisticsResponse(
    string FeatureName,
    long TotalUsage,
    long UniqueModels,
    EnvironmentCountsResponse Environments,
    double? AvgImportance,
    double? AvgCorrelation,
    DateTimeOffset? LastUsedAt,
    IReadOnlyList<VersionUsageStatisticsResponse> ByVersion);

internal static class UsageMapping
{
    public static FeatureUsageResponse ToResponse(this FeatureUsage u) => new(
        u.Id, u.FeatureName, u.FeatureVersion, u.UsedByModel, u.ModelVersion, u.Environment, u.FeatureImportance,
        u.CorrelationWithTarget, u.ExecutionId, u.ExecutionDurationMs, u.UsageTimestamp, u.RecordedAt, u.SnapshotId);

    public static RecordedUsageBatchResponse ToResponse(this IReadOnlyList<FeatureUsage> records) =>
        new(records.Count, records.Select(r => r.ToResponse()).ToList());

    public static FeatureUsageListResponse ToResponse(this UsagePage page) =>
        new(page.Usage.Select(u => u.ToResponse()).ToList(), page.Total);

    public static UsageStatisticsResponse ToResponse(this UsageStatistics s) => new(
        s.FeatureName, s.Overall.TotalUsage, s.Overall.UniqueModels, s.Overall.Environments.ToResponse(),
        s.Overall.AvgImportance, s.Overall.AvgCorrelation, s.Overall.LastUsedAt,
        s.ByVersion.Select(v => new VersionUsageStatisticsResponse(
            v.FeatureVersion, v.Figures.TotalUsage, v.Figures.UniqueModels, v.Figures.Environments.ToResponse(),
            v.Figures.AvgImportance, v.Figures.AvgCorrelation, v.Figures.LastUsedAt)).ToList());

    private static EnvironmentCountsResponse ToResponse(this IReadOnlyDictionary<UsageEnvironment, long> counts) => new(
        counts.GetValueOrDefault(UsageEnvironment.Dev),
        counts.GetValueOrDefault(UsageEnvironment.Staging),
        counts.GetValueOrDefault(UsageEnvironment.Production));
}
