using Registry.Core.Values;

namespace Registry.Core.Training;

/// <summary>
/// A point-in-time training set request. The features come from a feature set version or a list of
/// <c>feature@version</c> (a bare name means the current version); the rows to label from <see cref="Rows"/>,
/// <see cref="Range"/>, or an uploaded CSV/Parquet file.
/// </summary>
public sealed class TrainingSetRequest
{
    /// <summary>Members as <c>feature_name@version</c>; a bare name means the feature's current version. Or give <see cref="FeatureSet"/>.</summary>
    public List<string>? Features { get; set; }
    /// <summary>A feature set whose version's members (pinned versions, in order) are the columns. Instead of features.</summary>
    public string? FeatureSet { get; set; }
    /// <summary>The feature set's version; default: its current version.</summary>
    public string? FeatureSetVersion { get; set; }
    /// <summary>The (entity_id, ts) rows to label.</summary>
    public List<LabelRowInput>? Rows { get; set; }
    /// <summary>Or every step in [from, to) for each entity id.</summary>
    public LabelRangeInput? Range { get; set; }
    /// <summary>Per feature, the oldest value still usable, as an ISO 8601 duration (e.g. {"stock_rsi_14d": "P3D"}).</summary>
    public Dictionary<string, string>? MaxStaleness { get; set; }
    /// <summary>Only what had been ingested by this instant: reproduces an old backtest exactly.</summary>
    public DateTimeOffset? AsOf { get; set; }
}

public sealed class LabelRowInput
{
    public string? EntityId { get; set; }
    public DateTimeOffset? Ts { get; set; }
}

public sealed class LabelRangeInput
{
    public List<string>? EntityIds { get; set; }
    public DateTimeOffset? From { get; set; }
    public DateTimeOffset? To { get; set; }
    /// <summary>ISO 8601 duration between label instants, e.g. P1D or PT1H.</summary>
    public string? Step { get; set; }
}

/// <summary>A member of a training set or online vector: a feature pinned to a version, and where its values are.</summary>
public sealed record PinnedFeature(string FeatureName, string FeatureVersion, int ContractMajor, ValueTable Table, long? MaxStalenessMicros);

/// <summary>Where the labels come from, resolved: rows in memory, or a file DuckDB reads.</summary>
public abstract record LabelSource
{
    public sealed record List(IReadOnlyList<(string EntityId, DateTimeOffset Ts)> Rows) : LabelSource;
    public sealed record Upload(ValueFormat Format, Stream Body) : LabelSource;
}

/// <summary>The answer's header: which features, at which versions and contracts, as of when.</summary>
public sealed record TrainingSetPlan(IReadOnlyList<PinnedFeature> Features, DateTimeOffset? AsOf, string? FeatureSet, string? FeatureSetVersion);

public interface ITrainingStore
{
    /// <summary>
    /// Labels each row with, per feature, the value with the greatest event time ≤ ts (ties: the newest ingest), in the
    /// feature's contract, ingested by <paramref name="asOf"/> when given, and no older than its staleness limit.
    /// The rows come back in input order: entity_id, ts, then one value per feature (null when none qualifies).
    /// </summary>
    IAsyncEnumerable<object?[]> BuildAsync(LabelSource labels, IReadOnlyList<PinnedFeature> features, DateTimeOffset? asOf, CancellationToken ct);

    /// <summary>The same rows written as CSV or Parquet.</summary>
    Task ExportAsync(LabelSource labels, IReadOnlyList<PinnedFeature> features, DateTimeOffset? asOf, ValueFormat format, Stream output, CancellationToken ct);
}
