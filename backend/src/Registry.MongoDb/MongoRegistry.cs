using MongoDB.Bson;
using MongoDB.Driver;
using Registry.Core.Common;
using Registry.MongoDb.Documents;

namespace Registry.MongoDb;

/// <summary>The collection names: the original system's feature_definitions, feature_versions and feature_usage, and the rest alike.</summary>
public static class Collections
{
    public const string Features = "feature_definitions";
    public const string Revisions = "feature_revisions";
    public const string Versions = "feature_versions";
    public const string Usage = "feature_usage";
    public const string FeatureSets = "feature_sets";
    public const string FeatureSetVersions = "feature_set_versions";
    public const string Snapshots = "snapshots";
    public const string SnapshotUsage = "snapshot_usage";
    public const string ApiKeys = "api_keys";
    public const string Counters = "counters";
    public const string Locks = "registry_locks";
    public const string StartupSteps = "registry_startup_steps";

    public static readonly IReadOnlyList<string> All =
        [Features, Revisions, Versions, Usage, FeatureSets, FeatureSetVersions, Snapshots, SnapshotUsage, ApiKeys, Counters, Locks, StartupSteps];
}

/// <summary>
/// One MongoClient for the process (it owns the connection pools and monitors the servers, as the driver's docs ask),
/// the registry database and its typed collections, and the transaction helper every multi-document write goes through.
/// </summary>
public sealed class MongoRegistry
{
    /// <summary>
    /// Snapshot reads and majority writes: a transaction sees one consistent state and what it commits survives a
    /// failover, the guarantees PostgreSQL's transactions give the other store.
    /// </summary>
    private static readonly TransactionOptions Transactions = new(ReadConcern.Snapshot, ReadPreference.Primary, WriteConcern.WMajority);

    public MongoRegistry(string connectionString)
    {
        RegistryClassMaps.Register();
        var url = MongoUrl.Create(connectionString);
        var settings = MongoClientSettings.FromUrl(url);
        settings.ApplicationName ??= "feature-registry";
        // A lost primary shows as a 503 within seconds instead of requests hanging for the driver's default 30 s.
        if (url.ServerSelectionTimeout == MongoDefaults.ServerSelectionTimeout) settings.ServerSelectionTimeout = TimeSpan.FromSeconds(5);
        // Acknowledged means on a majority unless the URI says otherwise: an answered write survives a failover.
        if (url.W is null) settings.WriteConcern = WriteConcern.WMajority;
        Client = new MongoClient(settings);
        DatabaseName = url.DatabaseName ?? "registry";
        Database = Client.GetDatabase(DatabaseName);
        Features = Database.GetCollection<FeatureDocument>(Collections.Features);
        Revisions = Database.GetCollection<RevisionDocument>(Collections.Revisions);
        Versions = Database.GetCollection<VersionDocument>(Collections.Versions);
        Usage = Database.GetCollection<UsageDocument>(Collections.Usage);
        FeatureSets = Database.GetCollection<FeatureSetDocument>(Collections.FeatureSets);
        FeatureSetVersions = Database.GetCollection<FeatureSetVersionDocument>(Collections.FeatureSetVersions);
        Snapshots = Database.GetCollection<SnapshotDocument>(Collections.Snapshots);
        SnapshotUsage = Database.GetCollection<SnapshotUsageDocument>(Collections.SnapshotUsage);
        ApiKeys = Database.GetCollection<ApiKeyDocument>(Collections.ApiKeys);
        Counters = Database.GetCollection<CounterDocument>(Collections.Counters);
        Locks = Database.GetCollection<BsonDocument>(Collections.Locks);
        StartupSteps = Database.GetCollection<StartupStepDocument>(Collections.StartupSteps);
    }

    public IMongoClient Client { get; }
    public string DatabaseName { get; }
    public IMongoDatabase Database { get; }
    public IMongoCollection<FeatureDocument> Features { get; }
    public IMongoCollection<RevisionDocument> Revisions { get; }
    public IMongoCollection<VersionDocument> Versions { get; }
    public IMongoCollection<UsageDocument> Usage { get; }
    public IMongoCollection<FeatureSetDocument> FeatureSets { get; }
    public IMongoCollection<FeatureSetVersionDocument> FeatureSetVersions { get; }
    public IMongoCollection<SnapshotDocument> Snapshots { get; }
    public IMongoCollection<SnapshotUsageDocument> SnapshotUsage { get; }
    public IMongoCollection<ApiKeyDocument> ApiKeys { get; }
    public IMongoCollection<CounterDocument> Counters { get; }
    public IMongoCollection<BsonDocument> Locks { get; }
    public IMongoCollection<StartupStepDocument> StartupSteps { get; }

    /// <summary>
    /// Runs <paramref name="work"/> in a multi-document transaction through the driver's callback API, which retries the
    /// whole callback on a TransientTransactionError (e.g. a write conflict with a concurrent transaction) and retries
    /// the commit on UnknownTransactionCommitResult. The callback must therefore only read and write through the session.
    /// A conflict that outlasts the driver's retry window becomes the same 409 PostgreSQL's retry loop gives.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<IClientSessionHandle, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        using var session = await Client.StartSessionAsync(cancellationToken: ct);
        try
        {
            return await session.WithTransactionAsync(work, Transactions, ct);
        }
        catch (MongoException e) when (MongoFaults.IsWriteConflict(e))
        {
            throw new ConflictException("Too many concurrent changes.", "Other changes kept conflicting with this one; retry it.");
        }
    }

    /// <summary>
    /// Reserves <paramref name="count"/> consecutive ids of a sequence, outside any transaction (as a PostgreSQL sequence
    /// is): concurrent writers never conflict on the counter, and an aborted write only leaves a gap.
    /// </summary>
    public async Task<long> ReserveIdsAsync(string sequence, int count, CancellationToken ct)
    {
        var after = await Counters.FindOneAndUpdateAsync(
            Builders<CounterDocument>.Filter.Eq(c => c.Id, sequence),
            Builders<CounterDocument>.Update.Inc(c => c.Seq, count),
            new FindOneAndUpdateOptions<CounterDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After },
            ct);
        return after.Seq - count + 1;
    }

    /// <summary>
    /// Writes the named lock document inside the session's transaction. Two transactions that both take it conflict, so
    /// the later one is retried and sees the earlier one's commit: the MongoDB counterpart of pg_advisory_xact_lock (without
    /// it, snapshot isolation lets two lineage edits each add one half of a cycle).
    /// </summary>
    public Task TakeLockAsync(IClientSessionHandle session, string name, CancellationToken ct) =>
        Locks.UpdateOneAsync(session, new BsonDocument("_id", name), new BsonDocument("$inc", new BsonDocument("seq", 1L)),
            new UpdateOptions { IsUpsert = true }, ct);
}
