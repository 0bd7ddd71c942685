using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Versions;
using Registry.MongoDb.Documents;

namespace Registry.MongoDb;

/// <remarks>
/// Definitions in feature_definitions (one document per feature, its upstream list inside), a revision document per change
/// in feature_revisions, versions in feature_versions. A change is one multi-document transaction. With a
/// <see cref="FeatureDefinitionCache"/>, <see cref="GetForReadAsync"/> answers from memory, kept exact by
/// <see cref="MongoChangeListener"/>, and every write here forgets what it changed once committed.
/// </remarks>
public sealed class MongoFeatureStore(MongoRegistry registry, FeatureDefinitionCache? cache = null) : IFeatureStore, IVersionStore
{
    private const string LineageLock = "lineage";
    private static readonly FilterDefinitionBuilder<FeatureDocument> F = Builders<FeatureDocument>.Filter;

    public async Task<FeatureDefinition> CreateAsync(FeatureDefinition feature, FeatureVersion initialVersion, CancellationToken ct)
    {
        feature = feature with { DownstreamFeatures = [] };
        try
        {
            await registry.InTransactionAsync(async (session, token) =>
            {
                await registry.Features.InsertOneAsync(session, feature.ToDocument(), cancellationToken: token);
                await CheckLineageAsync(session, feature, [], token);
                await registry.Versions.InsertOneAsync(session, initialVersion.ToDocument(), cancellationToken: token);
                await registry.Revisions.InsertOneAsync(session, feature.ToRevision(), cancellationToken: token);
                return true;
            }, ct);
        }
        catch (MongoException e) when (MongoFaults.DuplicateKeyIndex(e) is "duckdb_table_1")
        {
            throw new ConflictException("The DuckDB table belongs to another feature.",
                $"Another feature already stores its values in '{feature.DuckDbTable}'; two features in one table would mix their values.");
        }
        catch (MongoException e) when (MongoFaults.IsDuplicateKey(e))
        {
            throw new ConflictException("The feature already exists.",
                $"A feature named '{feature.FeatureName}' already exists (names stay reserved after archiving).");
        }
        // The upstream features' answers list this one among their downstream features now.
        cache?.Forget([feature.FeatureName, .. feature.UpstreamFeatures]);
        return feature;
    }

    public async Task<FeatureDefinition?> GetAsync(string featureName, CancellationToken ct)
    {
        var document = await registry.Features.Find(F.Eq(d => d.Id, featureName)).FirstOrDefaultAsync(ct);
        return document is null ? null : document.ToDomain(await DownstreamNamesAsync(featureName, ct));
    }

    public Task<FeatureDefinition?> GetForReadAsync(string featureName, CancellationToken ct) =>
        cache is null ? GetAsync(featureName, ct) : cache.GetAsync(featureName, GetAsync, ct);

    public async Task<FeatureDefinition?> GetAsOfAsync(string featureName, DateTimeOffset asOf, CancellationToken ct)
    {
        var revision = await registry.Revisions
            .Find(Builders<RevisionDocument>.Filter.And(
                Builders<RevisionDocument>.Filter.Eq(r => r.FeatureName, featureName),
                MongoQueries.AtOrBefore<RevisionDocument>("recorded_at", asOf)))
            .Sort(Builders<RevisionDocument>.Sort.Descending(r => r.RecordedAt).Descending(r => r.RecordedAtUs).Descending(r => r.Revision))
            .Limit(1)
            .FirstOrDefaultAsync(ct);
        // As in PostgreSQL's revision documents, downstream lists are not part of a recorded state.
        return revision?.Document.ToDomain();
    }

    public async Task<FeaturePage> ListAsync(FeatureListQuery query, CancellationToken ct)
    {
        var filter = MongoQueries.FeatureList(query);
        var page = await registry.Features.Find(filter)
            .Sort(Builders<FeatureDocument>.Sort.Ascending(d => d.Id))
            .Skip(query.Skip).Limit(query.Limit)
            .ToListAsync(ct);
        var total = page.Count < query.Limit && (page.Count > 0 || query.Skip == 0)
            ? query.Skip + page.Count
            : await registry.Features.CountDocumentsAsync(filter, cancellationToken: ct);
        var downstream = await DownstreamNamesAsync(page.Select(d => d.Id).ToList(), ct);
        return new FeaturePage([.. page.Select(d => d.ToDomain(downstream.GetValueOrDefault(d.Id, [])))], total);
    }

    public async Task<FeatureDefinition?> UpdateAsync(FeatureDefinition feature, int expectedRevision, CancellationToken ct)
    {
        var changed = await registry.InTransactionAsync(async (session, token) =>
        {
            if (await UpdateDocumentAsync(session, feature, expectedRevision, token) is not { } names) return null;
            await registry.Revisions.InsertOneAsync(session, feature.ToRevision(), cancellationToken: token);
            return names;
        }, ct);
        if (changed is null) return null;
        cache?.Forget(changed);
        return feature;
    }

    public async Task<IReadOnlyDictionary<string, FeatureStatus>> GetStatusesAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct)
    {
        var found = await registry.Features.Find(F.In(d => d.Id, featureNames))
            .Project(Builders<FeatureDocument>.Projection.Include(d => d.Status))
            .ToListAsync(ct);
        return found.ToDictionary(d => d["_id"].AsString, d => StoredValues.Parse<FeatureStatus>(d["status"].AsString));
    }

    public async Task<IReadOnlyList<FeatureSummary>> GetDirectDownstreamAsync(string featureName, CancellationToken ct)
    {
        var found = await registry.Features.Find(F.AnyEq(d => d.UpstreamFeatures, featureName))
            .Sort(Builders<FeatureDocument>.Sort.Ascending(d => d.Id))
            .ToListAsync(ct);
        return [.. found.Select(d => new FeatureSummary(d.Id, StoredValues.Parse<FeatureStatus>(d.Status), d.Owner, d.CurrentVersion))];
    }

    async Task<IReadOnlyList<FeatureVersion>> IVersionStore.ListAsync(string featureName, CancellationToken ct) =>
        [.. (await registry.Versions.Find(v => v.FeatureName == featureName).ToListAsync(ct)).Select(v => v.ToDomain())];

    async Task<FeatureVersion?> IVersionStore.GetAsync(string featureName, string versionKey, CancellationToken ct) =>
        (await registry.Versions.Find(v => v.FeatureName == featureName && v.VersionKey == versionKey).FirstOrDefaultAsync(ct))?.ToDomain();

    async Task<FeatureDefinition?> IVersionStore.PublishAsync(FeatureDefinition feature, int expectedRevision, FeatureVersion version,
        string? rolledBack, CancellationToken ct)
    {
        var changed = await registry.InTransactionAsync(async (session, token) =>
        {
            if (await UpdateDocumentAsync(session, feature, expectedRevision, token) is not { } names) return null;
            try
            {
                await registry.Versions.InsertOneAsync(session, version.ToDocument(), cancellationToken: token);
            }
            catch (MongoException e) when (MongoFaults.IsDuplicateKey(e))
            {
                throw new ConflictException("The version already exists.", $"'{feature.FeatureName}' already has version {version.Version}.");
            }
            if (rolledBack is not null)
            {
                var (at, us) = StoredValues.Split(version.CreatedAt);
                await registry.Versions.UpdateOneAsync(session,
                    v => v.FeatureName == feature.FeatureName && v.Version == rolledBack,
                    Builders<VersionDocument>.Update.Set(v => v.IsRolledBack, true).Set(v => v.RolledBackAt, at).Set(v => v.RolledBackAtUs, us),
                    cancellationToken: token);
            }
            await registry.Revisions.InsertOneAsync(session, feature.ToRevision(), cancellationToken: token);
            return names;
        }, ct);
        if (changed is null) return null;
        cache?.Forget(changed);
        return feature;
    }

    /// <summary>
    /// The optimistic write: null when the document is no longer at <paramref name="expectedRevision"/>, else the names
    /// whose answers it changed (the feature, and the upstream features it was added to or removed from).
    /// </summary>
    private async Task<IReadOnlyList<string>?> UpdateDocumentAsync(IClientSessionHandle session, FeatureDefinition feature, int expectedRevision,
        CancellationToken ct)
    {
        var before = await registry.Features.FindOneAndUpdateAsync(session,
            MongoQueries.AtRevision(feature.FeatureName, expectedRevision),
            MongoQueries.ReplaceDefinition(feature.ToDocument()),
            new FindOneAndUpdateOptions<FeatureDocument> { ReturnDocument = ReturnDocument.Before },
            ct);
        if (before is null) return null;
        if (before.UpstreamFeatures.SequenceEqual(feature.UpstreamFeatures)) return [feature.FeatureName];
        await CheckLineageAsync(session, feature, before.UpstreamFeatures, ct);
        return [feature.FeatureName, .. before.UpstreamFeatures.Union(feature.UpstreamFeatures, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Under the lineage lock (a document every lineage edit writes, so concurrent edits conflict and the later one is
    /// retried on the committed graph), the upstream features must exist and the graph must stay acyclic.
    /// </summary>
    private async Task CheckLineageAsync(IClientSessionHandle session, FeatureDefinition feature, List<string> before, CancellationToken ct)
    {
        if (feature.UpstreamFeatures.Count == 0 && before.Count == 0) return;
        await registry.TakeLockAsync(session, LineageLock, ct);
        var wanted = feature.UpstreamFeatures.Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0) return;
        var existing = await registry.Features.CountDocumentsAsync(session, F.In(d => d.Id, wanted), cancellationToken: ct);
        if (existing < wanted.Count)
            throw new RuleViolationException("Unknown upstream features.", $"An upstream feature of '{feature.FeatureName}' does not exist.");

        var closure = await registry.Features.Aggregate(session, MongoQueries.UpstreamClosure(feature.FeatureName), cancellationToken: ct)
            .FirstOrDefaultAsync(ct);
        if (closure is null) return;
        var edges = closure["reach"].AsBsonArray.Select(r => r.AsBsonDocument)
            .ToDictionary(r => r["_id"].AsString, r => r["upstream_features"].AsBsonArray.Select(u => u.AsString).ToList());
        if (!edges.ContainsKey(feature.FeatureName)) return;
        edges[feature.FeatureName] = [.. feature.UpstreamFeatures];
        var cycle = ShortestCycle(feature.FeatureName, edges);
        throw new RuleViolationException("Dependency cycle.",
            $"This change to '{feature.FeatureName}' would close a cycle: {string.Join(" -> ", cycle)}.")
        {
            Extensions = new Dictionary<string, object?> { ["cycle"] = cycle },
        };
    }

    /// <summary>Breadth first along upstream edges from the feature back to itself: the path the PostgreSQL store names.</summary>
    internal static string[] ShortestCycle(string start, IReadOnlyDictionary<string, List<string>> upstream)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var name = queue.Dequeue();
            foreach (var next in upstream.GetValueOrDefault(name, []))
            {
                if (next == start)
                {
                    var path = new List<string> { start };
                    for (var at = name; at != start; at = previous[at]) path.Add(at);
                    path.Add(start);
                    path.Reverse(1, path.Count - 2);
                    return [.. path];
                }
                if (previous.ContainsKey(next) || next == start) continue;
                previous[next] = name;
                queue.Enqueue(next);
            }
        }
        return [start, start];
    }

    private async Task<IReadOnlyList<string>> DownstreamNamesAsync(string featureName, CancellationToken ct) =>
        (await DownstreamNamesAsync([featureName], ct)).GetValueOrDefault(featureName, []);

    /// <summary>Downstream lists are derived from the other features' upstream arrays (multikey index), never stored.</summary>
    private async Task<Dictionary<string, IReadOnlyList<string>>> DownstreamNamesAsync(List<string> featureNames, CancellationToken ct)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (featureNames.Count == 0) return result;
        var dependents = await registry.Features.Find(F.AnyIn(d => d.UpstreamFeatures, featureNames))
            .Project(Builders<FeatureDocument>.Projection.Include(d => d.UpstreamFeatures))
            .Sort(Builders<FeatureDocument>.Sort.Ascending(d => d.Id))
            .ToListAsync(ct);
        var wanted = featureNames.ToHashSet(StringComparer.Ordinal);
        foreach (var dependent in dependents)
        {
            var name = dependent["_id"].AsString;
            foreach (var upstream in dependent["upstream_features"].AsBsonArray.Select(u => u.AsString).Where(wanted.Contains).Distinct())
            {
                if (!result.TryGetValue(upstream, out var list)) result[upstream] = list = new List<string>();
                ((List<string>)list).Add(name);
            }
        }
        return result;
    }

    /// <summary>Reads a document the way the class map writes it (for tests and tools holding raw BSON).</summary>
    internal static FeatureDocument Deserialize(BsonDocument document) => BsonSerializer.Deserialize<FeatureDocument>(document);
}
