using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Core.Features;

/// <summary>
/// A feature definition as the registry stores it. Wire DTOs are separate (Registry.Api) and
/// mapped by hand, so the stored shape can evolve without breaking clients and vice versa.
/// </summary>
public sealed record FeatureDefinition
{
    public required string FeatureName { get; init; }
    public required string CurrentVersion { get; init; }
    public required FeatureType FeatureType { get; init; }
    public required DataType DataType { get; init; }
    public required FeatureStatus Status { get; init; }
    public string? Description { get; init; }
    public required string Owner { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public required string Entity { get; init; }
    public Transformation? Transformation { get; init; }
    public IReadOnlyList<ValidationRule> ValidationRules { get; init; } = [];
    public IReadOnlyList<string> UpstreamFeatures { get; init; } = [];

    /// <summary>Derived on read from the other features' upstream lists; never stored, so it cannot drift.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> DownstreamFeatures { get; init; } = [];
    public string? DuckDbTable { get; init; }
    public string? DuckDbView { get; init; }
    public ValidationPolicy ValidationPolicy { get; init; } = ValidationPolicy.Strict;
    public long UsageCount { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? DeprecatedAt { get; init; }

    /// <summary>Incremented by every change; the basis of optimistic concurrency and the ETag.</summary>
    public int Revision { get; init; }
}

public sealed record Transformation(
    TransformationType TransformationType,
    string Code,
    IReadOnlyDictionary<string, JsonElement> Parameters);

public sealed record ValidationRule(
    RuleType RuleType,
    IReadOnlyDictionary<string, JsonElement> Parameters,
    bool IsBlocking);
