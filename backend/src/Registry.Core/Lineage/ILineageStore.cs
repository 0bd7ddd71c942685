namespace Registry.Core.Lineage;

/// <summary>Graph queries over the upstream edges, and the usage records that hang off the graph.</summary>
public interface ILineageStore
{
    /// <summary>
    /// Every feature within <paramref name="upstreamDepth"/> / <paramref name="downstreamDepth"/> edges of the root
    /// (0 skips a direction), each once at its shortest depth, plus the edges among them and the root.
    /// </summary>
    Task<LineageGraph> WalkAsync(string featureName, int upstreamDepth, int downstreamDepth, CancellationToken ct);

    /// <summary>Models that used any of the features, grouped by model, model version and environment, most recent first.</summary>
    Task<IReadOnlyList<ModelUsage>> GetModelsAsync(IReadOnlyCollection<string> featureNames, DateTimeOffset? since, string? environment, CancellationToken ct);
}
