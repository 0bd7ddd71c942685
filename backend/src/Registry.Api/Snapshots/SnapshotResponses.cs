using Mapster;
using Registry.Api.Usage;
using Registry.Core.Features;
using Registry.Core.Snapshots;
using Registry.Core.Usage;

namespace Registry.Api.Snapshots;

/// <summary>One Parquet file of a snapshot: its path relative to the snapshot's directory (`{Snapshots:Root}/{snapshot_id}`).</summary>
public sealed record SnapshotFileResponse(string Path, long Rows, long Bytes, string Sha256);

/// <summary>A column of the snapshot after entity_id and ts: a member at its pinned version, read in that version's contract.</summary>
public sealed record SnapshotFeatureResponse(string FeatureName, string FeatureVersion, int ContractMajor, DataType DataType);

/// <summary>
/// A snapshot: a point-in-time training set of a feature set version over [from, to), written once as Parquet files
/// (`{feature_set}/{timeframe}/YYYYMMDD.parquet`, one per UTC day, under `{Snapshots:Root}/{snapshot_id}`). `checksum` is
/// the SHA-256 of the `sha256sum` manifest of the files (`{sha256}  {path}` lines ordered by path).
/// </summary>
public sealed record SnapshotResponse(
    Guid SnapshotId,
    string FeatureSetName,
    string FeatureSetVersion,
    DateTimeOffset From,
    DateTimeOffset To,
    string Timeframe,
    IReadOnlyList<string>? EntityIds,
    long RowCount,
    IReadOnlyList<string> Columns,
    IReadOnlyList<SnapshotFeatureResponse> Features,
    IReadOnlyList<SnapshotFileResponse> Files,
    string Checksum,
    string? CreatedBy,
    string? CreatedByKey,
    DateTimeOffset CreatedAt);

/// <summary>A snapshot in a list: without its files and features; `file_count` and `bytes` sum them up.</summary>
public sealed record SnapshotSummaryResponse(
    Guid SnapshotId,
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

/// <summary>Snapshots newest first, with the total matching the filter.</summary>
public sealed record SnapshotListResponse(IReadOnlyList<SnapshotSummaryResponse> Snapshots, long Total, int Skip, int Limit);

/// <summary>
/// Statistics of one feature's values in the snapshot: `count` non-null values, `mean`, `std` (population standard
/// deviation, ddof = 0, as scikit-learn's StandardScaler), `min`, `max`. Null for non-numeric features and when count is 0.
/// </summary>
public sealed record FeatureNormalizationResponse(string FeatureName, string FeatureVersion, long Count, double? Mean, double? Std, double? Min, double? Max);

/// <summary>The normalization statistics of a snapshot, in member order: z = (x − mean) / std.</summary>
public sealed record SnapshotNormalizationResponse(Guid SnapshotId, string FeatureSetName, string FeatureSetVersion, IReadOnlyList<FeatureNormalizationResponse> Features);

/// <summary>An entry of a snapshot's audit log: a model (version, run) that trained on it.</summary>
public sealed record SnapshotUsageResponse(
    long Id,
    Guid SnapshotId,
    string UsedByModel,
    string ModelVersion,
    UsageEnvironment Environment,
    string ExecutionId,
    DateTimeOffset UsageTimestamp,
    DateTimeOffset RecordedAt);

/// <summary>The audit log entry and the usage record it added for each member feature version.</summary>
public sealed record RecordedSnapshotUsageResponse(SnapshotUsageResponse Usage, IReadOnlyList<FeatureUsageResponse> FeatureUsage);

/// <summary>A snapshot's audit log, newest first.</summary>
public sealed record SnapshotUsageListResponse(Guid SnapshotId, IReadOnlyList<SnapshotUsageResponse> Usage, long Total);

internal sealed class SnapshotMappings : IRegister
{
    private static readonly string[] KeyColumns = ["entity_id", "ts"];

    public void Register(TypeAdapterConfig config)
    {
        config.NewConfig<SnapshotFile, SnapshotFileResponse>();
        config.NewConfig<SnapshotFeature, SnapshotFeatureResponse>();
        config.NewConfig<Snapshot, SnapshotResponse>()
            .Map(d => d.SnapshotId, s => s.Id)
            // The columns of every file: the two keys, then one per member, in member order.
            .Map(d => d.Columns, s => KeyColumns.Concat(s.Features.Select(f => f.FeatureName)).ToList());
        config.NewConfig<SnapshotSummary, SnapshotSummaryResponse>()
            .Map(d => d.SnapshotId, s => s.Id);
        config.NewConfig<FeatureNormalization, FeatureNormalizationResponse>();
        config.NewConfig<SnapshotNormalization, SnapshotNormalizationResponse>();
        config.NewConfig<SnapshotUsage, SnapshotUsageResponse>();
        config.NewConfig<RecordedSnapshotUsage, RecordedSnapshotUsageResponse>();
    }
}

/// <summary>Request examples shown in Swagger UI, over the feature set of FeatureSetExamples (tech_v1).</summary>
internal static class SnapshotExamples
{
    public const string Daily = """
        {
          "from": "2024-01-01T00:00:00Z",
          "to": "2024-02-01T00:00:00Z",
          "timeframe": "1d",
          "entity_ids": ["AAPL", "MSFT"],
          "created_by": "training-pipeline"
        }
        """;

    public const string Raw = """
        {
          "from": "2024-01-01T00:00:00Z",
          "to": "2024-02-01T00:00:00Z",
          "created_by": "training-pipeline"
        }
        """;

    public const string Usage = """
        {
          "used_by_model": "momentum_classifier",
          "model_version": "2.4.0",
          "environment": "staging",
          "execution_id": "train-2024-02-01-0400"
        }
        """;
}
