using MongoDB.Driver;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.FeatureSets;
using Registry.MongoDb.Documents;

namespace Registry.MongoDb;

/// <summary>Feature sets (feature_sets) and their immutable versions with embedded members (feature_set_versions).</summary>
public sealed class MongoFeatureSetStore(MongoRegistry registry) : IFeatureSetStore
{
    private static readonly FilterDefinitionBuilder<FeatureSetVersionDocument> V = Builders<FeatureSetVersionDocument>.Filter;

    public async Task<FeatureSetDetails> CreateAsync(FeatureSet featureSet, FeatureSetVersion firstVersion, CancellationToken ct)
    {
        try
        {
            await registry.InTransactionAsync(async (session, token) =>
            {
                await LockMembersAsync(session, firstVersion, token);
                await registry.FeatureSets.InsertOneAsync(session, featureSet.ToDocument(), cancellationToken: token);
                await registry.FeatureSetVersions.InsertOneAsync(session, firstVersion.ToDocument(), cancellationToken: token);
                return true;
            }, ct);
        }
        catch (MongoException e) when (MongoFaults.IsDuplicateKey(e))
        {
            throw FeatureSetRules.Duplicate(featureSet.FeatureSetName);
        }
        return new FeatureSetDetails(featureSet, firstVersion);
    }

    public Task<FeatureSetVersion?> PublishAsync(FeatureSetVersion version, string expectedCurrentVersion, CancellationToken ct) =>
        registry.InTransactionAsync<FeatureSetVersion?>(async (session, token) =>
        {
            await LockMembersAsync(session, version, token);
            // The current version is the highest, so it orders publishes: a version checked against a stale one is not written.
            var (at, us) = StoredValues.Split(version.CreatedAt);
            var moved = await registry.FeatureSets.UpdateOneAsync(session,
                s => s.Id == version.FeatureSetName && s.CurrentVersion == expectedCurrentVersion,
                Builders<FeatureSetDocument>.Update.Set(s => s.CurrentVersion, version.Version).Set(s => s.UpdatedAt, at).Set(s => s.UpdatedAtUs, us),
                cancellationToken: token);
            if (moved.MatchedCount == 0) return null;
            try
            {
                await registry.FeatureSetVersions.InsertOneAsync(session, version.ToDocument(), cancellationToken: token);
            }
            catch (MongoException e) when (MongoFaults.IsDuplicateKey(e))
            {
                throw new ConflictException("The version already exists.",
                    $"Feature set '{version.FeatureSetName}' already has version {version.Version}; a published version is immutable: publish a greater one.");
            }
            return version;
        }, ct);

    public async Task<FeatureSet?> GetAsync(string featureSetName, CancellationToken ct) =>
        (await registry.FeatureSets.Find(s => s.Id == featureSetName).FirstOrDefaultAsync(ct))?.ToDomain();

    public async Task<FeatureSetDetails?> GetDetailsAsync(string featureSetName, CancellationToken ct)
    {
        var set = await registry.FeatureSets.Find(s => s.Id == featureSetName).FirstOrDefaultAsync(ct);
        if (set is null) return null;
        var current = await registry.FeatureSetVersions.Find(v => v.FeatureSetName == featureSetName && v.Version == set.CurrentVersion)
            .FirstOrDefaultAsync(ct);
        return current is null ? null : new FeatureSetDetails(set.ToDomain(), current.ToDomain());
    }

    public async Task<FeatureSetPage> ListAsync(FeatureSetListQuery query, CancellationToken ct)
    {
        var filter = ListFilter(query);
        var sets = await registry.FeatureSets.Find(filter).Sort(Builders<FeatureSetDocument>.Sort.Ascending(s => s.Id))
            .Skip(query.Skip).Limit(query.Limit).ToListAsync(ct);
        var total = await registry.FeatureSets.CountDocumentsAsync(filter, cancellationToken: ct);
        if (sets.Count == 0) return new FeatureSetPage([], total);
        var versions = (await registry.FeatureSetVersions
                .Find(V.Or(sets.Select(s => V.And(V.Eq(v => v.FeatureSetName, s.Id), V.Eq(v => v.Version, s.CurrentVersion)))))
                .ToListAsync(ct))
            .ToDictionary(v => (v.FeatureSetName, v.Version));
        return new FeatureSetPage([.. sets.Where(s => versions.ContainsKey((s.Id, s.CurrentVersion)))
            .Select(s => new FeatureSetDetails(s.ToDomain(), versions[(s.Id, s.CurrentVersion)].ToDomain()))], total);
    }

    public static FilterDefinition<FeatureSetDocument> ListFilter(FeatureSetListQuery query)
    {
        var f = Builders<FeatureSetDocument>.Filter;
        var filters = new List<FilterDefinition<FeatureSetDocument>>();
        if (query.Owner is { } owner) filters.Add(f.Eq(s => s.Owner, owner));
        if (query.Tags.Count > 0) filters.Add(f.All(s => s.Tags, query.Tags));
        return filters.Count == 0 ? f.Empty : f.And(filters);
    }

    public async Task<IReadOnlyList<FeatureSetVersion>> ListVersionsAsync(string featureSetName, CancellationToken ct) =>
        [.. (await registry.FeatureSetVersions.Find(v => v.FeatureSetName == featureSetName).ToListAsync(ct)).Select(v => v.ToDomain())];

    public async Task<FeatureSetVersion?> GetVersionAsync(string featureSetName, string versionKey, CancellationToken ct) =>
        (await registry.FeatureSetVersions.Find(v => v.FeatureSetName == featureSetName && v.VersionKey == versionKey).FirstOrDefaultAsync(ct))?.ToDomain();

    public async Task<IReadOnlyList<MemberLookup>> LookupMembersAsync(IReadOnlyCollection<MemberRef> members, CancellationToken ct)
    {
        var names = members.Select(m => m.FeatureName).Distinct().ToList();
        var features = (await registry.Features.Find(Builders<FeatureDocument>.Filter.In(d => d.Id, names)).ToListAsync(ct)).ToDictionary(d => d.Id);
        var f = Builders<VersionDocument>.Filter;
        var pairs = members.Where(m => m.VersionKey is not null).Select(m => (m.FeatureName, Key: m.VersionKey!)).Distinct().ToList();
        var versions = pairs.Count == 0
            ? []
            : (await registry.Versions.Find(f.Or(pairs.Select(p => f.And(f.Eq(v => v.FeatureName, p.FeatureName), f.Eq(v => v.VersionKey, p.Key)))))
                .ToListAsync(ct)).ToDictionary(v => (v.FeatureName, v.VersionKey), v => v.Version);
        return [.. members.Select(m =>
        {
            var feature = features.GetValueOrDefault(m.FeatureName);
            return new MemberLookup(m.FeatureName, m.VersionKey,
                feature is null ? null : StoredValues.Parse<FeatureStatus>(feature.Status),
                feature is null ? null : StoredValues.Join(feature.DeprecatedAt, feature.DeprecatedAtUs),
                feature?.CurrentVersion,
                m.VersionKey is null ? null : versions.GetValueOrDefault((m.FeatureName, m.VersionKey)));
        })];
    }

    /// <summary>
    /// The service checked the members before the transaction; a member deprecated or archived since would slip in. The
    /// member definitions are read and written (lock_seq) in this transaction, so a concurrent lifecycle change of any of
    /// them conflicts with it and one of the two is retried on the other's result: the rule is checked on final states.
    /// </summary>
    private async Task LockMembersAsync(IClientSessionHandle session, FeatureSetVersion version, CancellationToken ct)
    {
        var names = version.Members.Select(m => m.FeatureName).Distinct().Order(StringComparer.Ordinal).ToList();
        var filter = Builders<FeatureDocument>.Filter.In(d => d.Id, names);
        await registry.Features.UpdateManyAsync(session, filter, Builders<FeatureDocument>.Update.Inc(d => d.LockSeq, 1), cancellationToken: ct);
        var states = await registry.Features.Find(session, filter).ToListAsync(ct);
        FeatureSetRules.ThrowIfUnusable(version.FeatureSetName,
            states.Select(d => (d.Id, StoredValues.Parse<FeatureStatus>(d.Status), StoredValues.Join(d.DeprecatedAt, d.DeprecatedAtUs))));
    }
}
