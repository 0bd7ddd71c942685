using System.Text.Json;
using Mapster;
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

internal sealed class FeatureMappings : IRegister
{
    public void Register(TypeAdapterConfig config)
    {
        config.NewConfig<FeatureDefinition, FeatureResponse>()
            .Map(d => d.DuckdbTable, s => s.DuckDbTable)
            .Map(d => d.DuckdbView, s => s.DuckDbView);
        config.NewConfig<Transformation, TransformationResponse>();
        config.NewConfig<ValidationRule, ValidationRuleResponse>();
    }
}
