using Registry.Core.Common;
using Registry.Core.Features;

namespace Registry.Core.Lineage;

/// <summary>"What breaks if I change this": lineage in both directions and the models downstream of a feature.</summary>
public sealed class LineageService(IFeatureStore features, ILineageStore lineage)
{
    public const int DefaultDepth = 10;
    public const int MaxDepth = 100;

    public async Task<LineageResult> GetLineageAsync(string featureName, bool recursive, LineageDirection direction, int? depth, CancellationToken ct)
    {
        if (depth is < 1 or > MaxDepth)
            throw InvalidInputException.For("depth", $"depth must be between 1 and {MaxDepth}.");
        if (!recursive && depth is > 1)
            throw InvalidInputException.For("depth", "depth applies to a recursive walk: add recursive=true.");
        var feature = await GetFeatureAsync(featureName, ct);

        var limit = recursive ? depth ?? DefaultDepth : 1;
        var up = direction is LineageDirection.Upstream or LineageDirection.Both ? limit : 0;
        var down = direction is LineageDirection.Downstream or LineageDirection.Both ? limit : 0;
        var nodes = await lineage.WalkAsync(featureName, up, down, ct);
        var edges = await lineage.GetEdgesAsync(nodes.Select(n => n.FeatureName).Append(featureName).ToList(), ct);

        // The count describes the feature, whatever part of the graph was asked for.
        var dependents = down >= MaxDepth
            ? nodes.Count(n => n.Direction == LineageSide.Downstream)
            : (await lineage.WalkAsync(featureName, 0, MaxDepth, ct)).Count;

        var sets = await GetFeatureSetsAsync([featureName], ct);

        List<string> Names(LineageSide d) => nodes.Where(n => n.Direction == d).Select(n => n.FeatureName).ToList();
        // The feature asked about is a node too, so that both ends of every edge are nodes (a graph a client can draw).
        var root = new LineageNode(feature.FeatureName, feature.Status, feature.Owner, feature.CurrentVersion, 0, LineageSide.Root);
        return new LineageResult(
            feature, recursive, direction, limit,
            feature.UpstreamFeatures, feature.DownstreamFeatures,
            Names(LineageSide.Upstream), Names(LineageSide.Downstream),
            feature.DownstreamFeatures.Count, dependents, new LineageGraph([root, .. nodes], edges), sets);
    }

    /// <summary>Every downstream feature, recursively, and every model and feature-set version that used this feature or any of them.</summary>
    public async Task<ImpactResult> GetImpactAsync(string featureName, CancellationToken ct)
    {
        var feature = await GetFeatureAsync(featureName, ct);
        var downstream = await lineage.WalkAsync(featureName, 0, MaxDepth, ct);
        var affected = downstream.Select(n => n.FeatureName).Prepend(featureName).ToList();
        var models = await lineage.GetModelsAsync(affected, since: null, environment: null, ct);
        var activeDirect = downstream.Where(n => n.Depth == 1 && n.Status == FeatureStatus.Active).Select(n => n.FeatureName).ToList();
        return new ImpactResult(feature, downstream, models, activeDirect, await GetFeatureSetsAsync(affected, ct));
    }

    /// <summary>By set name, newest version first (SemVer precedence), then by feature.</summary>
    private async Task<IReadOnlyList<FeatureSetUse>> GetFeatureSetsAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct) =>
        (await lineage.GetFeatureSetsAsync(featureNames, ct))
            .OrderBy(s => s.FeatureSetName, StringComparer.Ordinal)
            .ThenByDescending(s => Versions.SemVer.Parse(s.Version), NuGet.Versioning.VersionComparer.Default)
            .ThenBy(s => s.FeatureName, StringComparer.Ordinal)
            .ToList();

    private async Task<FeatureDefinition> GetFeatureAsync(string featureName, CancellationToken ct)
    {
        FeatureService.CheckName(featureName);
        return await features.GetForReadAsync(featureName, ct) ?? throw FeatureService.NotFound(featureName);
    }
}
