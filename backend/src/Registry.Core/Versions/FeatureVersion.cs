using Registry.Core.Features;

namespace Registry.Core.Versions;

/// <summary>
/// One published version of a feature: an immutable snapshot of the computation (transformation and
/// validation rules). Only the rollback markers change after publication; nothing is deleted or renumbered.
/// </summary>
public sealed record FeatureVersion
{
    public required string FeatureName { get; init; }
    /// <summary>SemVer 2.0 as published, build metadata included.</summary>
    public required string Version { get; init; }
    public string? Changelog { get; init; }
    public bool BreakingChanges { get; init; }
    public Transformation? TransformationSnapshot { get; init; }
    public IReadOnlyList<ValidationRule> ValidationSnapshot { get; init; } = [];
    /// <summary>Free text: what the client sent, or the name of the key that published it.</summary>
    public required string CreatedBy { get; init; }
    /// <summary>The id of the API key that published it (recorded by the server, not the client); null before it was recorded.</summary>
    public string? CreatedByKey { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public bool IsRolledBack { get; init; }
    public DateTimeOffset? RolledBackAt { get; init; }
    /// <summary>For a version made by a rollback: the version whose snapshots it restored.</summary>
    public string? RestoredFrom { get; init; }
}
