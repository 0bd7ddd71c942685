using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Registry.Core.Features;

// The service's input contracts. They double as the wire request bodies: every field is nullable so
// that a missing one reaches the validator and comes back as a 400 keyed by its snake_case name.

public sealed class CreateFeatureRequest
{
    /// <summary>Unique name: lowercase letters, digits and underscores, 3–100 characters.</summary>
    [Required] public string? FeatureName { get; set; }
    [Required] public FeatureType? FeatureType { get; set; }
    [Required] public DataType? DataType { get; set; }
    public string? Description { get; set; }
    [Required] public string? Owner { get; set; }
    public List<string>? Tags { get; set; }
    /// <summary>The key the values are stored by, e.g. instrument_id. Default entity_id.</summary>
    public string? Entity { get; set; }
    public TransformationInput? Transformation { get; set; }
    public List<ValidationRuleInput>? ValidationRules { get; set; }
    /// <summary>Names of existing features this one is computed from.</summary>
    public List<string>? UpstreamFeatures { get; set; }
    /// <summary>DuckDB table holding the values, as schema.name.</summary>
    public string? DuckdbTable { get; set; }
    /// <summary>DuckDB view over the values, as schema.name.</summary>
    public string? DuckdbView { get; set; }
    /// <summary>strict (default): a failing blocking rule rejects an ingested batch whole; permissive: the batch is written and the report returned.</summary>
    public ValidationPolicy? ValidationPolicy { get; set; }
}

/// <summary>
/// Metadata changes only. Omitted fields stay as they are. The computation (transformation,
/// validation rules) changes only through a new version, so a version always names its logic.
/// </summary>
public sealed class UpdateFeatureRequest
{
    public string? Description { get; set; }
    public string? Owner { get; set; }
    public List<string>? Tags { get; set; }
    public List<string>? UpstreamFeatures { get; set; }
    public ValidationPolicy? ValidationPolicy { get; set; }
}

public sealed class TransformationInput
{
    [Required] public TransformationType? TransformationType { get; set; }
    [Required] public string? Code { get; set; }
    public Dictionary<string, JsonElement>? Parameters { get; set; }
}

public sealed class ValidationRuleInput
{
    [Required] public RuleType? RuleType { get; set; }
    public Dictionary<string, JsonElement>? Parameters { get; set; }
    /// <summary>A failing blocking rule rejects data; a non-blocking one only reports. Default true.</summary>
    public bool? IsBlocking { get; set; }
}

public sealed record FeatureListQuery(
    FeatureType? FeatureType,
    FeatureStatus? Status,
    string? Owner,
    IReadOnlyList<string> Tags,
    string? Search,
    int Skip,
    int Limit);

public sealed record FeaturePage(IReadOnlyList<FeatureDefinition> Features, long Total);
