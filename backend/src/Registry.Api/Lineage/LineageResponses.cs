using Registry.Core.Features;
using Registry.Core.Lineage;

namespace Registry.Api.Lineage;

public sealed record LineageNodeResponse(string FeatureName, FeatureStatus Status, string Owner, string CurrentVersion, int Depth, LineageDirection Direction);

/// <summary>An edge of the graph: `from` feeds `to` (from is upstream of to).</summary>
public sealed record LineageEdgeResponse(string From, string To);

/// <summary>The original system's lineage shape, plus nodes and edges to draw the graph, and the feature-set versions that include the feature.</summary>
public sealed record LineageResponse(
    string FeatureName,
    string CurrentVersion,
    bool Recursive,
    LineageDirection Direction,
    int Depth,
    IReadOnlyList<string> UpstreamFeatures,
    IReadOnlyList<string> DownstreamFeatures,
    IReadOnlyList<string> AllUpstream,
    IReadOnlyList<string> AllDownstream,
    int DirectDependentsCount,
    int TotalDependentsCount,
    IReadOnlyList<LineageNodeResponse> Nodes,
    IReadOnlyList<LineageEdgeResponse> Edges,
    IReadOnlyList<FeatureSetUseResponse> FeatureSets);

/// <summary>A feature-set version that includes `feature_name` pinned at `feature_version`: a consumer of the feature.</summary>
public sealed record FeatureSetUseResponse(string FeatureSetName, string Version, bool IsCurrent, string FeatureName, string FeatureVersion);

public sealed record ModelUsageResponse(string UsedByModel, string? ModelVersion, string Environment, DateTimeOffset LastUsedAt, long UsageCount, IReadOnlyList<string> Features);

/// <summary>Everything downstream of a feature, every model that used it or them and every feature-set version that includes it or them; also the answer of a deprecation dry run.</summary>
public sealed record ImpactResponse(
    string FeatureName,
    FeatureStatus Status,
    IReadOnlyList<LineageNodeResponse> DownstreamFeatures,
    IReadOnlyList<ModelUsageResponse> Models,
    int TotalDownstreamCount,
    bool CanDeprecate,
    IReadOnlyList<string> BlockingFeatures,
    IReadOnlyList<FeatureSetUseResponse> FeatureSets);

internal static class LineageMapping
{
    private static LineageNodeResponse ToResponse(this LineageNode n) => new(n.FeatureName, n.Status, n.Owner, n.CurrentVersion, n.Depth, n.Direction);

    public static LineageResponse ToResponse(this LineageResult r) => new(
        r.Feature.FeatureName, r.Feature.CurrentVersion, r.Recursive, r.Direction, r.Depth,
        r.UpstreamFeatures, r.DownstreamFeatures, r.AllUpstream, r.AllDownstream, r.DirectDependentsCount, r.TotalDependentsCount,
        r.Graph.Nodes.Select(n => n.ToResponse()).ToList(),
        r.Graph.Edges.Select(e => new LineageEdgeResponse(e.Upstream, e.Downstream)).ToList(),
        r.FeatureSets.ToResponse());

    public static ImpactResponse ToResponse(this ImpactResult r) => new(
        r.Feature.FeatureName, r.Feature.Status,
        r.Downstream.Select(n => n.ToResponse()).ToList(),
        r.Models.Select(m => new ModelUsageResponse(m.UsedByModel, m.ModelVersion, m.Environment, m.LastUsedAt, m.UsageCount, m.Features)).ToList(),
        r.Downstream.Count, r.CanDeprecate, r.ActiveDirectDependents, r.FeatureSets.ToResponse());

    private static List<FeatureSetUseResponse> ToResponse(this IReadOnlyList<FeatureSetUse> sets) =>
        sets.Select(s => new FeatureSetUseResponse(s.FeatureSetName, s.Version, s.IsCurrent, s.FeatureName, s.FeatureVersion)).ToList();
}
