using Registry.Core.FeatureSets;

namespace Registry.Api.FeatureSets;

/// <summary>A member of a feature set version: a feature pinned to one of its published versions.</summary>
public sealed record FeatureSetMemberResponse(string FeatureName, string FeatureVersion);

/// <summary>A feature set with its current version's members, in order.</summary>
public sealed record FeatureSetResponse(
    string FeatureSetName,
    string? Description,
    string Owner,
    IReadOnlyList<string> Tags,
    string CurrentVersion,
    IReadOnlyList<FeatureSetMemberResponse> Members,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One page of feature sets, ordered by name, with the total matching the filters.</summary>
public sealed record FeatureSetListResponse(IReadOnlyList<FeatureSetResponse> FeatureSets, long Total, int Skip, int Limit);

/// <summary>A published, immutable version of a feature set.</summary>
public sealed record FeatureSetVersionResponse(
    string FeatureSetName,
    string Version,
    IReadOnlyList<FeatureSetMemberResponse> Members,
    string? Changelog,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    bool IsCurrent);

/// <summary>A feature set's versions, newest first by SemVer precedence.</summary>
public sealed record FeatureSetVersionListResponse(string FeatureSetName, string CurrentVersion, IReadOnlyList<FeatureSetVersionResponse> Versions, int Total, int Skip, int Limit);

internal static class FeatureSetMapping
{
    private static List<FeatureSetMemberResponse> ToResponse(this IReadOnlyList<FeatureSetMember> members) =>
        members.Select(m => new FeatureSetMemberResponse(m.FeatureName, m.FeatureVersion)).ToList();

    public static FeatureSetResponse ToResponse(this FeatureSetDetails d) => new(
        d.FeatureSet.FeatureSetName, d.FeatureSet.Description, d.FeatureSet.Owner, d.FeatureSet.Tags, d.FeatureSet.CurrentVersion,
        d.Current.Members.ToResponse(), d.FeatureSet.CreatedAt, d.FeatureSet.UpdatedAt);

    public static FeatureSetVersionResponse ToResponse(this FeatureSetVersion v, string currentVersion) => new(
        v.FeatureSetName, v.Version, v.Members.ToResponse(), v.Changelog, v.CreatedBy, v.CreatedAt, v.Version == currentVersion);

    public static FeatureSetVersionListResponse ToResponse(this FeatureSetVersionPage page, int skip, int limit) => new(
        page.FeatureSet.FeatureSetName, page.FeatureSet.CurrentVersion,
        page.Versions.Select(v => v.ToResponse(page.FeatureSet.CurrentVersion)).ToList(), page.Total, skip, limit);
}
