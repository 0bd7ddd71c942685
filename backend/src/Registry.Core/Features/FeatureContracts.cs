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
[NotChangedHere(new[] { "transformation", "validation_rules" },
    "changes only through a new version: POST /api/v1/features/{feature_name}/versions with the new value (the version number then names the logic).")]
[NotChangedHere(new[] { "data_type", "feature_type", "duckdb_table", "entity", "feature_name" },
    "is fixed when the feature is registered: the values' contract depends on it. Register a feature under a new name for another one.")]
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

/// <summary>
/// Fields of a resource that a request body cannot change, with what to do instead: a client sending one gets that
/// answer in the 400, not "unknown property".
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class NotChangedHereAttribute(string[] fields, string instead) : Attribute
{
    /// <summary>The snake_case JSON names.</summary>
    public IReadOnlyList<string> Fields { get; } = fields;

    /// <summary>Completes "'{field}' {Instead}".</summary>
    public string Instead { get; } = instead;
}
