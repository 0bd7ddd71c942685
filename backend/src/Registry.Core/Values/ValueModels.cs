using Registry.Core.Features;

namespace Registry.Core.Values;

public enum ValueFormat { Json, Csv, Parquet }

/// <summary>Where a feature's values live in DuckDB, and how they are typed.</summary>
public sealed record ValueTable(string FeatureName, string Schema, string Table, DataType DataType)
{
    public const string DefaultSchema = "features";

    public static ValueTable For(FeatureDefinition f)
    {
        var qualified = f.DuckDbTable ?? $"{DefaultSchema}.{f.FeatureName}";
        var dot = qualified.IndexOf('.', StringComparison.Ordinal);
        return new(f.FeatureName, qualified[..dot], qualified[(dot + 1)..], f.DataType);
    }

    public string QualifiedName => $"{Schema}.{Table}";
}

/// <summary>
/// What every written row is stamped with. The contract major separates values produced before a breaking
/// change from those after; a rollback version carries the major of the version it restored. The ingest instant is
/// taken by the store under the feature's write lock, so ingest instants follow commit order (what as_of relies on).
/// </summary>
public sealed record ValueStamp(string FeatureVersion, int ContractMajor, Guid BatchId);

/// <summary>A row of a batch that cannot be stored, by its 0-based position in the batch.</summary>
public sealed record RowError(long Row, string Field, string Message);

/// <summary>A batch parsed into DuckDB's staging area, not yet visible to any read.</summary>
public interface IStagedBatch : IAsyncDisposable
{
    long RowCount { get; }

    /// <summary>The first errors found (type errors, missing keys, duplicates), at most a few dozen.</summary>
    IReadOnlyList<RowError> Errors { get; }

    long ErrorCount { get; }

    /// <summary>For a JSON body: the feature_version it named, if any.</summary>
    string? DeclaredVersion { get; }
}

public sealed record IngestCounts(long Written, long Unchanged, DateTimeOffset IngestedAt);

/// <summary>
/// One member's latest value in an online vector; <see cref="Value"/> is a double, long, string, bool, DateTimeOffset or
/// null. A class so that a vector holds references to the instances the latest-value cache keeps: a 100 × 50 answer
/// then copies 5,000 references, not 5,000 values.
/// </summary>
public sealed record LatestValue(DateTimeOffset EventTs, object? Value);

public sealed record ValueRow(string EntityId, DateTimeOffset EventTs, object? Value, string FeatureVersion, DateTimeOffset IngestedAt);

public sealed record ValueQuery(
    IReadOnlyList<string> EntityIds,
    DateTimeOffset? From,
    DateTimeOffset? To,
    DateTimeOffset? AsOf,
    int ContractMajor,
    int Limit);

public sealed record ValueStats(
    long Rows,
    long Entities,
    double? NullRate,
    double? Min,
    double? Max,
    double? Mean,
    double? Std,
    DateTimeOffset? FirstEventTs,
    DateTimeOffset? LastEventTs);

/// <summary>A sample of a row that broke a rule: its position in the batch (or null for stored values) and content.</summary>
public sealed record SampleRow(long? Row, string? EntityId, DateTimeOffset? EventTs, object? Value);

/// <summary>What the store measured for one rule; the service decides pass or fail.</summary>
public sealed record RuleMeasure(long CheckedRows, long OffendingRows, IReadOnlyList<SampleRow> Samples, string? Error);

/// <summary>The facts behind the quality flags of stored values.</summary>
public sealed record QualityFacts(
    ValueStats Stats,
    IReadOnlyList<EntityCount> ThinEntities,
    long OutlierRows);

public sealed record EntityCount(string EntityId, long Rows);
