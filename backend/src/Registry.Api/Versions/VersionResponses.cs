using System.Text.Json;
using Registry.Api.Features;
using Registry.Core.Versions;

namespace Registry.Api.Versions;

/// <summary>A published version and its immutable snapshots.</summary>
public sealed record VersionResponse(
    string FeatureName,
    string Version,
    string? Changelog,
    bool BreakingChanges,
    TransformationResponse? TransformationSnapshot,
    IReadOnlyList<ValidationRuleResponse> ValidationSnapshot,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    bool IsRolledBack,
    DateTimeOffset? RolledBackAt,
    string? RestoredFrom,
    bool IsCurrent);

/// <summary>Versions newest first by SemVer precedence.</summary>
public sealed record VersionListResponse(string FeatureName, string CurrentVersion, IReadOnlyList<VersionResponse> Versions, int Total, int Skip, int Limit);

/// <summary>A new version together with the definition it made current.</summary>
public sealed record PublishedVersionResponse(VersionResponse Version, FeatureResponse Feature);

public sealed record ChangeResponse(string Field, ChangeKind Change, JsonElement? From, JsonElement? To);

/// <summary>What changed between two versions' snapshots, field by field.</summary>
public sealed record VersionDiffResponse(string FeatureName, string From, string To, bool Identical, IReadOnlyList<ChangeResponse> Changes);

internal static class VersionMapping
{
    public static VersionResponse ToResponse(this FeatureVersion v, string currentVersion) => new(
        v.FeatureName, v.Version, v.Changelog, v.BreakingChanges,
        v.TransformationSnapshot is { } t ? new TransformationResponse(t.TransformationType, t.Code, t.Parameters) : null,
        v.ValidationSnapshot.Select(r => new ValidationRuleResponse(r.RuleType, r.Parameters, r.IsBlocking)).ToList(),
        v.CreatedBy, v.CreatedAt, v.IsRolledBack, v.RolledBackAt, v.RestoredFrom, v.Version == currentVersion);

    public static VersionListResponse ToResponse(this VersionPage page, string featureName, int skip, int limit) => new(
        featureName, page.CurrentVersion, page.Versions.Select(v => v.ToResponse(page.CurrentVersion)).ToList(), page.Total, skip, limit);

    public static VersionDiffResponse ToResponse(this VersionDiff diff) => new(
        diff.FeatureName, diff.From, diff.To, diff.Changes.Count == 0,
        diff.Changes.Select(c => new ChangeResponse(c.Field, c.Change, c.From, c.To)).ToList());
}
