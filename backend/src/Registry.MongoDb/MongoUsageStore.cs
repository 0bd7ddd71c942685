using MongoDB.Bson;
using MongoDB.Driver;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Snapshots;
using Registry.Core.Usage;
using Registry.MongoDb.Documents;

namespace Registry.MongoDb;

/// <summary>
/// Usage records in feature_usage and the snapshots' audit log in snapshot_usage. A group of requests' records (ADR 0040)
/// is inserted and the features' counters moved in one transaction; ids come from the counters collection, reserved outside it as a sequence is.
/// </summary>
public sealed class MongoUsageStore(MongoRegistry registry, TimeProvider clock, FeatureDefinitionCache? cache = null) : IUsageStore
{
    public async Task<IReadOnlyList<VersionLookup>> FindVersionsAsync(IReadOnlyCollection<VersionRef> versions, CancellationToken ct)
    {
        var names = versions.Select(v => v.FeatureName).Distinct().ToList();
        var existing = (await registry.Features.Find(Builders<FeatureDocument>.Filter.In(d => d.Id, names))
            .Project(Builders<FeatureDocument>.Projection.Include(d => d.Id)).ToListAsync(ct)).Select(d => d["_id"].AsString).ToHashSet();
        var found = await FindVersionDocumentsAsync(versions.Select(v => (v.FeatureName, v.VersionKey)), ct);
        return [.. versions.Select(v => new VersionLookup(v.FeatureName, v.VersionKey, existing.Contains(v.FeatureName),
            found.GetValueOrDefault((v.FeatureName, v.VersionKey))))];
    }

    internal async Task<Dictionary<(string, string), string>> FindVersionDocumentsAsync(IEnumerable<(string Name, string Key)> refs, CancellationToken ct)
    {
        var f = Builders<VersionDocument>.Filter;
        var pairs = refs.Distinct().Select(r => f.And(f.Eq(v => v.FeatureName, r.Name), f.Eq(v => v.VersionKey, r.Key))).ToList();
        if (pairs.Count == 0) return [];
        var docs = await registry.Versions.Find(f.Or(pairs)).ToListAsync(ct);
        return docs.ToDictionary(d => (d.FeatureName, d.VersionKey), d => d.Version);
    }

    public async Task<IReadOnlyList<UsageGroupResult>> RecordGroupAsync(IReadOnlyList<IReadOnlyList<FeatureUsage>> members, CancellationToken ct)
    {
        var total = members.Sum(m => m.Count);
        var firstId = await registry.ReserveIdsAsync(Collections.Usage, total, ct);
        var recordedAt = clock.Now();
        // Ids are given in input order, member after member; a member left out only leaves a gap, as a sequence does.
        var documents = new List<List<UsageDocument>>(members.Count);
        var nextId = firstId;
        foreach (var member in members)
        {
            documents.Add([.. member.Select((r, i) => r.ToDocument(nextId + i, recordedAt))]);
            nextId += member.Count;
        }

        var present = await registry.InTransactionAsync(async (session, token) =>
        {
            // Read in the transaction: a feature deleted after this read makes the counter update below conflict, and the
            // driver retries the whole transaction, which then leaves that feature's members out (PostgreSQL locks instead).
            var names = members.SelectMany(m => m).Select(r => r.FeatureName).Distinct(StringComparer.Ordinal).ToList();
            var found = (await registry.Features.Find(session, Builders<FeatureDocument>.Filter.In(d => d.Id, names))
                .Project(Builders<FeatureDocument>.Projection.Include(d => d.Id)).ToListAsync(token))
                .Select(d => d["_id"].AsString).ToHashSet(StringComparer.Ordinal);
            var stored = members.Select((m, i) => (Member: m, Index: i)).Where(m => m.Member.All(r => found.Contains(r.FeatureName))).ToList();
            if (stored.Count > 0)
            {
                await InsertRecordsAsync(session, [.. stored.SelectMany(m => m.Member)], [.. stored.SelectMany(m => documents[m.Index])], token);
            }
            return found;
        }, ct);

        var results = members.Select((m, i) => m.All(r => present.Contains(r.FeatureName))
            ? UsageGroupResult.Recorded([.. documents[i].Select(d => d.ToDomain())])
            : UsageGroupResult.Missing([.. m.Select(r => r.FeatureName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)])).ToList();
        cache?.Forget(members.Where((m, i) => results[i].Stored is not null).SelectMany(m => m).Select(r => r.FeatureName).Distinct(StringComparer.Ordinal));
        return results;
    }

    public async Task<RecordedSnapshotUsage> RecordSnapshotUsageAsync(SnapshotUsage entry, IReadOnlyList<FeatureUsage> records, CancellationToken ct)
    {
        var entryId = await registry.ReserveIdsAsync(Collections.SnapshotUsage, 1, ct);
        var firstId = records.Count == 0 ? 0 : await registry.ReserveIdsAsync(Collections.Usage, records.Count, ct);
        var recordedAt = clock.Now();
        var entryDocument = entry.ToDocument(entryId, recordedAt);
        var documents = records.Select((r, i) => r.ToDocument(firstId + i, recordedAt)).ToList();
        // The audit log entry and the member records in one transaction: both or neither.
        await registry.InTransactionAsync(async (session, token) =>
        {
            if (await registry.Snapshots.CountDocumentsAsync(session, s => s.Id == entry.SnapshotId, cancellationToken: token) == 0)
                throw new NotFoundException($"Snapshot '{entry.SnapshotId}' does not exist.");
            await registry.SnapshotUsage.InsertOneAsync(session, entryDocument, cancellationToken: token);
            if (records.Count > 0) await InsertRecordsAsync(session, records, documents, token);
            return true;
        }, ct);
        cache?.Forget(records.Select(r => r.FeatureName).Distinct(StringComparer.Ordinal));
        return new RecordedSnapshotUsage(entryDocument.ToDomain(), [.. documents.Select(d => d.ToDomain())]);
    }

    /// <summary>
    /// Inserts the records and moves each feature's counters by a server-side update. Concurrent batches touching one
    /// feature write the same document, so one of them meets a write conflict and the driver retries its transaction:
    /// nothing is lost, nothing counted twice.
    /// </summary>
    private async Task InsertRecordsAsync(IClientSessionHandle session, IReadOnlyList<FeatureUsage> records, List<UsageDocument> documents,
        CancellationToken ct)
    {
        var perFeature = records.GroupBy(r => r.FeatureName, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Count: (long)g.Count(), Last: g.Max(r => r.UsageTimestamp)))
            .OrderBy(g => g.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var (name, count, last) in perFeature)
        {
            var bumped = await registry.Features.UpdateOneAsync(session, Builders<FeatureDocument>.Filter.Eq(d => d.Id, name),
                MongoQueries.BumpUsage(count, last), cancellationToken: ct);
            if (bumped.MatchedCount == 0)
            {
                // A feature vanished between the service's check and this write.
                throw new NotFoundException($"One of these features no longer exists: {string.Join(", ", perFeature.Select(f => f.Name))}.");
            }
        }
        await registry.Usage.InsertManyAsync(session, documents, new InsertManyOptions { IsOrdered = true }, ct);
    }

    public async Task<UsagePage> ListAsync(string featureName, int skip, int limit, CancellationToken ct)
    {
        var filter = Builders<UsageDocument>.Filter.Eq(u => u.FeatureName, featureName);
        var items = await registry.Usage.Find(filter)
            .Sort(Builders<UsageDocument>.Sort.Descending(u => u.UsageTimestamp).Descending(u => u.UsageTimestampUs).Descending(u => u.Id))
            .Skip(skip).Limit(limit).ToListAsync(ct);
        var total = await registry.Usage.CountDocumentsAsync(filter, cancellationToken: ct);
        return new UsagePage([.. items.Select(u => u.ToDomain())], total);
    }

    public async Task<UsageStatistics> GetStatisticsAsync(string featureName, CancellationToken ct)
    {
        var result = await registry.Usage.Aggregate(MongoQueries.Statistics(featureName), cancellationToken: ct).FirstAsync(ct);
        var overall = result["overall"].AsBsonArray.Select(v => Figures(v.AsBsonDocument)).FirstOrDefault() ?? Figures(null);
        var byVersion = result["by_version"].AsBsonArray.Select(v => v.AsBsonDocument)
            .Select(v => new VersionUsageFigures(v["_id"].AsString, Figures(v))).ToList();
        return new UsageStatistics(featureName, overall, byVersion);
    }

    /// <summary>One group of the statistics aggregation; null is the overall row of a feature without records.</summary>
    internal static UsageFigures Figures(BsonDocument? g)
    {
        static double? Average(BsonDocument? g, string name) => g?.GetValue(name, BsonNull.Value) is { IsNumeric: true } v ? v.ToDouble() : null;
        var last = g?.GetValue("last_used", BsonNull.Value) is BsonDocument l && l["at"] is BsonDateTime
            ? StoredValues.Join(l["at"].ToUniversalTime(), l["us"].ToInt32())
            : (DateTimeOffset?)null;
        return new UsageFigures(
            g?["count"].ToInt64() ?? 0,
            g?["models"].AsBsonArray.Count ?? 0,
            new Dictionary<UsageEnvironment, long>
            {
                [UsageEnvironment.Dev] = g?["dev"].ToInt64() ?? 0,
                [UsageEnvironment.Staging] = g?["staging"].ToInt64() ?? 0,
                [UsageEnvironment.Production] = g?["production"].ToInt64() ?? 0,
            },
            Average(g, "avg_importance"),
            Average(g, "avg_correlation"),
            last);
    }

    public async Task<SnapshotUsagePage> ListSnapshotUsageAsync(Guid snapshotId, int skip, int limit, CancellationToken ct)
    {
        var filter = Builders<SnapshotUsageDocument>.Filter.Eq(u => u.SnapshotId, snapshotId);
        var items = await registry.SnapshotUsage.Find(filter)
            .Sort(Builders<SnapshotUsageDocument>.Sort.Descending(u => u.UsageTimestamp).Descending(u => u.UsageTimestampUs).Descending(u => u.Id))
            .Skip(skip).Limit(limit).ToListAsync(ct);
        var total = await registry.SnapshotUsage.CountDocumentsAsync(filter, cancellationToken: ct);
        return new SnapshotUsagePage([.. items.Select(u => u.ToDomain())], total);
    }
}
