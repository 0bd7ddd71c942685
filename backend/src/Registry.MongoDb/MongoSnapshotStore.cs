using MongoDB.Driver;
using Registry.Core.Common;
using Registry.Core.Snapshots;
using Registry.Core.Versions;
using Registry.MongoDb.Documents;

namespace Registry.MongoDb;

/// <summary>Snapshot records: one document each, with its files and features embedded, so one insert stores all of it.</summary>
public sealed class MongoSnapshotStore(MongoRegistry registry) : ISnapshotStore
{
    public async Task CreateAsync(Snapshot snapshot, CancellationToken ct)
    {
        // The set version was read just before and versions are never deleted: this only catches a database changed by hand.
        var key = SemVer.Key(SemVer.Parse(snapshot.FeatureSetVersion));
        if (await registry.FeatureSetVersions.CountDocumentsAsync(v => v.FeatureSetName == snapshot.FeatureSetName && v.VersionKey == key,
                cancellationToken: ct) == 0)
            throw new NotFoundException($"Feature set '{snapshot.FeatureSetName}' has no version {snapshot.FeatureSetVersion}.");
        await registry.Snapshots.InsertOneAsync(snapshot.ToDocument(), cancellationToken: ct);
    }

    public async Task<Snapshot?> GetAsync(Guid id, CancellationToken ct) =>
        (await registry.Snapshots.Find(s => s.Id == id).FirstOrDefaultAsync(ct))?.ToDomain();

    public async Task<SnapshotPage> ListAsync(SnapshotListQuery query, CancellationToken ct)
    {
        var filter = query.FeatureSet is { } set
            ? Builders<SnapshotDocument>.Filter.Eq(s => s.FeatureSetName, set)
            : Builders<SnapshotDocument>.Filter.Empty;
        var items = await registry.Snapshots.Find(filter)
            .Sort(Builders<SnapshotDocument>.Sort.Descending(s => s.CreatedAt).Descending(s => s.CreatedAtUs).Descending(s => s.Id))
            .Skip(query.Skip).Limit(query.Limit).ToListAsync(ct);
        var total = await registry.Snapshots.CountDocumentsAsync(filter, cancellationToken: ct);
        return new SnapshotPage([.. items.Select(s => s.ToSummary())], total);
    }
}
