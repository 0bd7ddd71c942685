using Mapster;
using Registry.Api.Infrastructure;
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
    string? CreatedByKey,
    DateTimeOffset CreatedAt,
    bool IsCurrent);

/// <summary>A feature set's versions, newest first by SemVer precedence.</summary>
public sealed record FeatureSetVersionListResponse(string FeatureSetName, string CurrentVersion, IReadOnlyList<FeatureSetVersionResponse> Versions, int Total, int Skip, int Limit);

internal sealed class FeatureSetMappings : IRegister
{
    public void Register(TypeAdapterConfig config)
    {
        config.NewConfig<FeatureSetMember, FeatureSetMemberResponse>();
        config.NewConfig<FeatureSetDetails, FeatureSetResponse>()
            .Map(d => d.FeatureSetName, s => s.FeatureSet.FeatureSetName)
            .Map(d => d.Description, s => s.FeatureSet.Description)
            .Map(d => d.Owner, s => s.FeatureSet.Owner)
            .Map(d => d.Tags, s => s.FeatureSet.Tags)
            .Map(d => d.CurrentVersion, s => s.FeatureSet.CurrentVersion)
            .Map(d => d.Members, s => s.Current.Members)
            .Map(d => d.CreatedAt, s => s.FeatureSet.CreatedAt)
            .Map(d => d.UpdatedAt, s => s.FeatureSet.UpdatedAt);
        config.NewConfig<FeatureSetVersion, FeatureSetVersionResponse>()
            .Map(d => d.IsCurrent, s => s.Version == MapParameters.CurrentVersion());
    }
}
