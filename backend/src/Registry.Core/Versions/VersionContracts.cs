using Registry.Core.Features;

namespace Registry.Core.Versions;

/// <summary>
/// Publishes a new version. Give either an explicit version or a bump. Transformation and validation
/// rules that are omitted are carried over from the current definition.
/// </summary>
public sealed class CreateVersionRequest
{
    /// <summary>SemVer 2.0, greater than every existing version (e.g. 1.1.0, 2.0.0-rc.1).</summary>
    public string? Version { get; set; }
    /// <summary>Let the server compute the version from the highest one: major, minor or patch.</summary>
    public VersionBump? Bump { get; set; }
    public string? Changelog { get; set; }
    /// <summary>A breaking change must be a major bump (from 1.0.0 on).</summary>
    public bool? BreakingChanges { get; set; }
    public TransformationInput? Transformation { get; set; }
    public List<ValidationRuleInput>? ValidationRules { get; set; }
    /// <summary>Who made it, free text (at most 100 characters). Default: the name of the API key that sends the request; the key's id is recorded as `created_by_key` whatever this says.</summary>
    public string? CreatedBy { get; set; }
    /// <summary>Publish a breaking version even though production models used the feature in the last 30 days (recorded in the changelog).</summary>
    public bool? Force { get; set; }
}

/// <summary>Optional details of a rollback, for the audit trail.</summary>
public sealed class RollbackRequest
{
    /// <summary>Who made it, free text (at most 100 characters). Default: the name of the API key that sends the request; the key's id is recorded as `created_by_key` whatever this says.</summary>
    public string? CreatedBy { get; set; }
    public string? Reason { get; set; }
}

public sealed record VersionPage(IReadOnlyList<FeatureVersion> Versions, int Total, string CurrentVersion);

public enum ChangeKind { Added, Removed, Changed }

/// <summary>One field that differs between two snapshots, by its path (transformation.parameters.period).</summary>
public sealed record SnapshotChange(string Field, ChangeKind Change, System.Text.Json.JsonElement? From, System.Text.Json.JsonElement? To);

public sealed record VersionDiff(string FeatureName, string From, string To, IReadOnlyList<SnapshotChange> Changes);
