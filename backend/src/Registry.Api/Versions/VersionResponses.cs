using System.Text.Json;
using Mapster;
using Registry.Api.Features;
using Registry.Api.Infrastructure;
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
    string? CreatedByKey,
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

internal sealed class VersionMappings : IRegister
{
    public void Register(TypeAdapterConfig config)
    {
        config.NewConfig<FeatureVersion, VersionResponse>()
            .Map(d => d.IsCurrent, s => s.Version == MapParameters.CurrentVersion());
        config.NewConfig<SnapshotChange, ChangeResponse>();
        config.NewConfig<VersionDiff, VersionDiffResponse>()
            .Map(d => d.Identical, s => s.Changes.Count == 0);
    }
}
