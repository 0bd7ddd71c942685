using Registry.Core.Features;

namespace Registry.Core.Values;

/// <summary>
/// Options of an ingest, from the query string (and, for JSON, the body's feature_version). <paramref name="IfMatch"/>:
/// the feature's revision the batch was prepared against (If-Match); another revision is a 412.
/// </summary>
public sealed record IngestOptions(string? FeatureVersion, ValidationPolicy? Policy, int? IfMatch = null);

public sealed record ReadOptions(
    IReadOnlyList<string> EntityIds,
    DateTimeOffset? From,
    DateTimeOffset? To,
    DateTimeOffset? AsOf,
    string? Version,
    int? Limit);

/// <summary>The outcome of one rule over a batch or over stored values.</summary>
public sealed record RuleResult(
    int RuleIndex,
    RuleType RuleType,
    bool IsBlocking,
    IReadOnlyDictionary<string, System.Text.Json.JsonElement> Parameters,
    bool Passed,
    long CheckedRows,
    long OffendingRows,
    string Message,
    IReadOnlyList<SampleRow> Samples);

public sealed record RulesReport(bool IsValid, IReadOnlyList<RuleResult> PassedRules, IReadOnlyList<RuleResult> FailedRules);

public sealed record IngestResult(
    string FeatureName,
    string FeatureVersion,
    int ContractMajor,
    Guid BatchId,
    DateTimeOffset IngestedAt,
    ValidationPolicy ValidationPolicy,
    long RowsReceived,
    long RowsWritten,
    long RowsUnchanged,
    long RowsRejected,
    RulesReport Validation);

public sealed record QualityFlag(string Flag, string Message);

public sealed record ValidationReport(
    string FeatureName,
    string FeatureVersion,
    int ContractMajor,
    DateTimeOffset? From,
    DateTimeOffset? To,
    long RowsChecked,
    bool IsValid,
    IReadOnlyList<RuleResult> PassedRules,
    IReadOnlyList<RuleResult> FailedRules,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<QualityFlag> QualityFlags,
    ValueStats Stats);

/// <summary>Which feature, version and contract a read answered for.</summary>
public sealed record ValueScope(string FeatureName, string FeatureVersion, int ContractMajor, ValueTable Table);

public sealed record FeatureViewResult(string FeatureName, string DuckdbView, IReadOnlyList<string> UpstreamFeatures);
