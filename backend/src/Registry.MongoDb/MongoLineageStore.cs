using MongoDB.Bson;
using MongoDB.Driver;
using Registry.Core.Features;
using Registry.Core.Lineage;
using Registry.MongoDb.Documents;

namespace Registry.MongoDb;

/// <summary>Lineage by $graphLookup over the upstream arrays; models by aggregation over feature_usage.</summary>
public sealed class MongoLineageStore(MongoRegistry registry) : ILineageStore
{
    public async Task<IReadOnlyList<LineageNode>> WalkAsync(string featureName, int upstreamDepth, int downstreamDepth, CancellationToken ct)
    {
        var root = await registry.Features.Aggregate(MongoQueries.Walk(featureName, upstreamDepth, downstreamDepth), cancellationToken: ct)
            .FirstOrDefaultAsync(ct);
        if (root is null) return [];
        var nodes = new List<LineageNode>();
        void Read(string field, LineageSide direction)
        {
            if (!root.TryGetValue(field, out var list)) return;
            foreach (var n in list.AsBsonArray.Select(v => v.AsBsonDocument))
            {
                nodes.Add(new LineageNode(n["feature_name"].AsString, StoredValues.Parse<FeatureStatus>(n["status"].AsString), n["owner"].AsString,
                    n["current_version"].AsString, n["depth"].ToInt32(), direction));
            }
        }
        Read("up", LineageSide.Upstream);
        Read("down", LineageSide.Downstream);
        // The PostgreSQL store's order: upstream first, then by depth and name.
        return [.. nodes.OrderBy(n => n.Direction).ThenBy(n => n.Depth).ThenBy(n => n.FeatureName, StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<LineageEdge>> GetEdgesAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct)
    {
        var f = Builders<FeatureDocument>.Filter;
        var found = await registry.Features.Find(f.And(f.In(d => d.Id, featureNames), f.AnyIn(d => d.UpstreamFeatures, featureNames)))
            .Project(Builders<FeatureDocument>.Projection.Include(d => d.UpstreamFeatures))
            .ToListAsync(ct);
        var names = featureNames.ToHashSet(StringComparer.Ordinal);
        return [.. found
            .SelectMany(d => d["upstream_features"].AsBsonArray.Select(u => u.AsString).Where(names.Contains)
                .Select(u => new LineageEdge(u, d["_id"].AsString)))
            .Distinct()
            .OrderBy(e => e.Upstream, StringComparer.Ordinal).ThenBy(e => e.Downstream, StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<ModelUsage>> GetModelsAsync(IReadOnlyCollection<string> featureNames, DateTimeOffset? since,
        string? environment, CancellationToken ct)
    {
        var groups = await registry.Usage.Aggregate(MongoQueries.Models(featureNames, since, environment), cancellationToken: ct).ToListAsync(ct);
        return [.. groups.Select(g =>
        {
            var id = g["_id"].AsBsonDocument;
            var last = g["last_used"].AsBsonDocument;
            return new ModelUsage(id["used_by_model"].AsString, id.GetValue("model_version", BsonNull.Value) is BsonString v ? v.AsString : null,
                id["environment"].AsString, StoredValues.Join(last["at"].ToUniversalTime(), last["us"].ToInt32()), g["count"].ToInt64(),
                [.. g["features"].AsBsonArray.Select(x => x.AsString).Order(StringComparer.Ordinal)]);
        })];
    }

    public async Task<IReadOnlyList<FeatureSetUse>> GetFeatureSetsAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct)
    {
        var versions = await registry.FeatureSetVersions
            .Find(Builders<FeatureSetVersionDocument>.Filter.ElemMatch(v => v.Members, m => featureNames.Contains(m.FeatureName)))
            .ToListAsync(ct);
        if (versions.Count == 0) return [];
        var setNames = versions.Select(v => v.FeatureSetName).Distinct().ToList();
        var current = (await registry.FeatureSets.Find(Builders<FeatureSetDocument>.Filter.In(s => s.Id, setNames)).ToListAsync(ct))
            .ToDictionary(s => s.Id, s => s.CurrentVersion);
        var wanted = featureNames.ToHashSet(StringComparer.Ordinal);
        return [.. versions.SelectMany(v => v.Members.Where(m => wanted.Contains(m.FeatureName)).Select(m =>
            new FeatureSetUse(v.FeatureSetName, v.Version, current.GetValueOrDefault(v.FeatureSetName) == v.Version, m.FeatureName, m.FeatureVersion)))];
    }
}
