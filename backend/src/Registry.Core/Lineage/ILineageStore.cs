namespace Registry.Core.Lineage;

/// <summary>Graph queries over the upstream edges, and the usage records and feature sets that hang off the graph.</summary>
public interface ILineageStore
{
    /// <summary>
    /// Every feature within <paramref name="upstreamDepth"/> / <paramref name="downstreamDepth"/> edges of the root
    /// (0 skips a direction), each once at its shortest depth.
    /// </summary>
    Task<IReadOnlyList<LineageNode>> WalkAsync(string featureName, int upstreamDepth, int downstreamDepth, CancellationToken ct);

    /// <summary>The edges among the given features (to draw a walk's graph).</summary>
    Task<IReadOnlyList<LineageEdge>> GetEdgesAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct);

    /// <summary>Models that used any of the features, grouped by model, model version and environment, most recent first.</summary>
    Task<IReadOnlyList<ModelUsage>> GetModelsAsync(IReadOnlyCollection<string> featureNames, DateTimeOffset? since, string? environment, CancellationToken ct);

    /// <summary>Every feature-set version with any of the features among its members (one entry per set version and feature), in no particular order.</summary>
    Task<IReadOnlyList<FeatureSetUse>> GetFeatureSetsAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct);
}
