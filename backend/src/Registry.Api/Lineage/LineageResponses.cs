using Mapster;
using Registry.Core.Features;
using Registry.Core.Lineage;

namespace Registry.Api.Lineage;

/// <summary>A node of the graph: the feature asked about (`direction` root, depth 0) or one reached from it.</summary>
public sealed record LineageNodeResponse(string FeatureName, FeatureStatus Status, string Owner, string CurrentVersion, int Depth, LineageSide Direction);

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

internal sealed class LineageMappings : IRegister
{
    public void Register(TypeAdapterConfig config)
    {
        config.NewConfig<LineageNode, LineageNodeResponse>();
        config.NewConfig<LineageEdge, LineageEdgeResponse>()
            .Map(d => d.From, s => s.Upstream)
            .Map(d => d.To, s => s.Downstream);
        config.NewConfig<FeatureSetUse, FeatureSetUseResponse>();
        config.NewConfig<ModelUsage, ModelUsageResponse>();
        config.NewConfig<LineageResult, LineageResponse>()
            .Map(d => d.FeatureName, s => s.Feature.FeatureName)
            .Map(d => d.CurrentVersion, s => s.Feature.CurrentVersion)
            .Map(d => d.Nodes, s => s.Graph.Nodes)
            .Map(d => d.Edges, s => s.Graph.Edges);
        config.NewConfig<ImpactResult, ImpactResponse>()
            .Map(d => d.FeatureName, s => s.Feature.FeatureName)
            .Map(d => d.Status, s => s.Feature.Status)
            .Map(d => d.DownstreamFeatures, s => s.Downstream)
            .Map(d => d.TotalDownstreamCount, s => s.Downstream.Count)
            .Map(d => d.BlockingFeatures, s => s.ActiveDirectDependents);
    }
}
