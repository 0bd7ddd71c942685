namespace Registry.Core.FeatureSets;

/// <summary>
/// A named group of features that models are trained and served on (the original systems' <c>tech_v1</c>,
/// <c>ml_training_features</c>). What it holds is given by its versions; the set itself carries only metadata
/// and which version is current.
/// </summary>
public sealed record FeatureSet
{
    /// <summary>Unique, with the same rule as feature names: lowercase letters, digits and underscores, 3–100 characters.</summary>
    public required string FeatureSetName { get; init; }
    public string? Description { get; init; }
    public required string Owner { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>The highest published version; every new version must be greater, so it is also the latest.</summary>
    public required string CurrentVersion { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// One published version of a feature set: an ordered list of members, each pinned to a feature version.
/// Immutable once published (the database refuses updates); changing the members means publishing a new version.
/// </summary>
public sealed record FeatureSetVersion
{
    public required string FeatureSetName { get; init; }
    /// <summary>SemVer 2.0 as published, build metadata included.</summary>
    public required string Version { get; init; }
    /// <summary>In the order they were given: the column order of training sets and online vectors built from this version.</summary>
    public required IReadOnlyList<FeatureSetMember> Members { get; init; }
    public string? Changelog { get; init; }
    /// <summary>Free text: what the client sent, or the name of the key that published it.</summary>
    public required string CreatedBy { get; init; }
    /// <summary>The id of the API key that published it (recorded by the server, not the client); null before it was recorded.</summary>
    public string? CreatedByKey { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A feature in a feature set version, pinned to one published version of that feature (always explicit).</summary>
public sealed record FeatureSetMember(string FeatureName, string FeatureVersion);

/// <summary>A feature set with the version that is current.</summary>
public sealed record FeatureSetDetails(FeatureSet FeatureSet, FeatureSetVersion Current);
