using Registry.Core.Features;

namespace Registry.Core.Lineage;

public enum LineageDirection { Upstream, Downstream, Both }

/// <summary>Where a node of a lineage graph sits: the feature asked about, or on one side of it.</summary>
public enum LineageSide { Root, Upstream, Downstream }

/// <summary>A feature reached by a lineage walk, at its shortest distance from the root (the root itself: depth 0).</summary>
public sealed record LineageNode(string FeatureName, FeatureStatus Status, string Owner, string CurrentVersion, int Depth, LineageSide Direction);

/// <summary>An edge of the dependency graph: <see cref="Upstream"/> feeds <see cref="Downstream"/>.</summary>
public sealed record LineageEdge(string Upstream, string Downstream);

public sealed record LineageGraph(IReadOnlyList<LineageNode> Nodes, IReadOnlyList<LineageEdge> Edges);

public sealed record LineageResult(
    FeatureDefinition Feature,
    bool Recursive,
    LineageDirection Direction,
    int Depth,
    IReadOnlyList<string> UpstreamFeatures,
    IReadOnlyList<string> DownstreamFeatures,
    IReadOnlyList<string> AllUpstream,
    IReadOnlyList<string> AllDownstream,
    int DirectDependentsCount,
    int TotalDependentsCount,
    LineageGraph Graph,
    IReadOnlyList<FeatureSetUse> FeatureSets);

/// <summary>A model (version, environment) that used the feature or one of its downstream features.</summary>
public sealed record ModelUsage(
    string UsedByModel,
    string? ModelVersion,
    string Environment,
    DateTimeOffset LastUsedAt,
    long UsageCount,
    IReadOnlyList<string> Features);

/// <summary>
/// A feature-set version that includes <see cref="FeatureName"/> pinned at <see cref="FeatureVersion"/>: a consumer of the
/// feature, as a downstream feature or a model is. Every version counts, not only the current one: a model trained on an
/// older version still depends on what it pinned.
/// </summary>
public sealed record FeatureSetUse(string FeatureSetName, string Version, bool IsCurrent, string FeatureName, string FeatureVersion);

public sealed record ImpactResult(
    FeatureDefinition Feature,
    IReadOnlyList<LineageNode> Downstream,
    IReadOnlyList<ModelUsage> Models,
    IReadOnlyList<string> ActiveDirectDependents,
    IReadOnlyList<FeatureSetUse> FeatureSets)
{
    /// <summary>Deprecation (and deletion) is refused while an active feature lists this one upstream.</summary>
    public bool CanDeprecate => ActiveDirectDependents.Count == 0 && FeatureLifecycle.CanApply(Feature.Status, FeatureLifecycle.Deprecate);
}
