namespace Registry.Core.Lineage;

/// <summary>Graph queries over the upstream edges, and the usage records that hang off the graph.</summary>
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
}
