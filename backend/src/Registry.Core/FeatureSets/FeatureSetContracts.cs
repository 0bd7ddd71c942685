using System.ComponentModel.DataAnnotations;
using Registry.Core.Features;
using Registry.Core.Versions;

namespace Registry.Core.FeatureSets;

// The service's input contracts, which double as the wire request bodies: every field is nullable so that a
// missing one reaches the validator and comes back as a 400 keyed by its snake_case name.

/// <summary>Creates a feature set and publishes its first version, in one transaction.</summary>
public sealed class CreateFeatureSetRequest
{
    /// <summary>Unique name: lowercase letters, digits and underscores, 3–100 characters.</summary>
    [Required] public string? FeatureSetName { get; set; }
    public string? Description { get; set; }
    [Required] public string? Owner { get; set; }
    public List<string>? Tags { get; set; }
    /// <summary>The first version, SemVer 2.0. Default 1.0.0.</summary>
    public string? Version { get; set; }
    /// <summary>The features, in order; each pinned to a version (default: the feature's current version).</summary>
    [Required] public List<FeatureSetMemberInput>? Members { get; set; }
    public string? Changelog { get; set; }
    /// <summary>Who made it, free text (at most 100 characters). Default: the name of the API key that sends the request; the key's id is recorded as `created_by_key` whatever this says.</summary>
    public string? CreatedBy { get; set; }
}

/// <summary>
/// Publishes a new version with the full list of members (not a change to the previous list). Give either an
/// explicit version or a bump.
/// </summary>
public sealed class CreateFeatureSetVersionRequest
{
    /// <summary>SemVer 2.0, greater than every existing version of the set (e.g. 1.1.0, 2.0.0-rc.1).</summary>
    public string? Version { get; set; }
    /// <summary>Let the server compute the version from the highest one: major, minor or patch.</summary>
    public VersionBump? Bump { get; set; }
    [Required] public List<FeatureSetMemberInput>? Members { get; set; }
    public string? Changelog { get; set; }
    /// <summary>Who made it, free text (at most 100 characters). Default: the name of the API key that sends the request; the key's id is recorded as `created_by_key` whatever this says.</summary>
    public string? CreatedBy { get; set; }
}

public sealed class FeatureSetMemberInput
{
    [Required] public string? FeatureName { get; set; }
    /// <summary>A published version of the feature. Default: its current version at publish time, recorded explicitly.</summary>
    public string? FeatureVersion { get; set; }
}

/// <summary>`Tags`: the sets carrying all of them (as on features).</summary>
public sealed record FeatureSetListQuery(string? Owner, IReadOnlyList<string> Tags, int Skip, int Limit);

public sealed record FeatureSetPage(IReadOnlyList<FeatureSetDetails> FeatureSets, long Total);

/// <summary>Versions newest first by SemVer precedence.</summary>
public sealed record FeatureSetVersionPage(FeatureSet FeatureSet, IReadOnlyList<FeatureSetVersion> Versions, int Total);

/// <summary>A member as requested: the feature and, when given, the precedence key of the version to pin.</summary>
public sealed record MemberRef(string FeatureName, string? VersionKey);

/// <summary>
/// What the registry knows of a <see cref="MemberRef"/>. <see cref="Status"/> is null when the feature does not exist;
/// <see cref="PublishedVersion"/> is the requested version as published, or null when there is no such version (or none was requested).
/// </summary>
public sealed record MemberLookup(
    string FeatureName,
    string? VersionKey,
    FeatureStatus? Status,
    DateTimeOffset? DeprecatedAt,
    string? CurrentVersion,
    string? PublishedVersion);
