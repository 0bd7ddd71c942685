using System.Text.Json;
using Registry.Core.Features;

namespace Registry.Api.Features;

/// <summary>A feature definition as clients see it.</summary>
public sealed record FeatureResponse(
    string FeatureName,
    string CurrentVersion,
    FeatureType FeatureType,
    DataType DataType,
    FeatureStatus Status,
    string? Description,
    string Owner,
    IReadOnlyList<string> Tags,
    string Entity,
    TransformationResponse? Transformation,
    IReadOnlyList<ValidationRuleResponse> ValidationRules,
    IReadOnlyList<string> UpstreamFeatures,
    IReadOnlyList<string> DownstreamFeatures,
    string? DuckdbTable,
    string? DuckdbView,
    ValidationPolicy ValidationPolicy,
    long UsageCount,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DeprecatedAt);

public sealed record TransformationResponse(TransformationType TransformationType, string Code, IReadOnlyDictionary<string, JsonElement> Parameters);

public sealed record ValidationRuleResponse(RuleType RuleType, IReadOnlyDictionary<string, JsonElement> Parameters, bool IsBlocking);

/// <summary>One page of features, with the total matching the filters.</summary>
public sealed record FeatureListResponse(IReadOnlyList<FeatureResponse> Features, long Total, int Skip, int Limit);

internal static class FeatureMapping
{
    public static FeatureResponse ToResponse(this FeatureDefinition f) => new(
        f.FeatureName, f.CurrentVersion, f.FeatureType, f.DataType, f.Status, f.Description, f.Owner, f.Tags, f.Entity,
        f.Transformation is { } t ? new TransformationResponse(t.TransformationType, t.Code, t.Parameters) : null,
        f.ValidationRules.Select(r => new ValidationRuleResponse(r.RuleType, r.Parameters, r.IsBlocking)).ToList(),
        f.UpstreamFeatures, f.DownstreamFeatures, f.DuckDbTable, f.DuckDbView, f.ValidationPolicy, f.UsageCount, f.LastUsedAt,
        f.CreatedAt, f.UpdatedAt, f.DeprecatedAt);
}
