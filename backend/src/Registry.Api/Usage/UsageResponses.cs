using Mapster;
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

internal sealed class UsageMappings : IRegister
{
    public void Register(TypeAdapterConfig config)
    {
        config.NewConfig<FeatureUsage, FeatureUsageResponse>();
        config.NewConfig<UsagePage, FeatureUsageListResponse>();
        config.NewConfig<UsageStatistics, UsageStatisticsResponse>()
            .Map(d => d.TotalUsage, s => s.Overall.TotalUsage)
            .Map(d => d.UniqueModels, s => s.Overall.UniqueModels)
            .Map(d => d.Environments, s => s.Overall.Environments)
            .Map(d => d.AvgImportance, s => s.Overall.AvgImportance)
            .Map(d => d.AvgCorrelation, s => s.Overall.AvgCorrelation)
            .Map(d => d.LastUsedAt, s => s.Overall.LastUsedAt);
        config.NewConfig<VersionUsageFigures, VersionUsageStatisticsResponse>()
            .Map(d => d.TotalUsage, s => s.Figures.TotalUsage)
            .Map(d => d.UniqueModels, s => s.Figures.UniqueModels)
            .Map(d => d.Environments, s => s.Figures.Environments)
            .Map(d => d.AvgImportance, s => s.Figures.AvgImportance)
            .Map(d => d.AvgCorrelation, s => s.Figures.AvgCorrelation)
            .Map(d => d.LastUsedAt, s => s.Figures.LastUsedAt);
        // Hand-written because it is logic: every environment is present, 0 when no record names it.
        config.NewConfig<IReadOnlyDictionary<UsageEnvironment, long>, EnvironmentCountsResponse>()
            .MapWith(counts => new EnvironmentCountsResponse(
                counts.GetValueOrDefault(UsageEnvironment.Dev),
                counts.GetValueOrDefault(UsageEnvironment.Staging),
                counts.GetValueOrDefault(UsageEnvironment.Production)));
    }
}
