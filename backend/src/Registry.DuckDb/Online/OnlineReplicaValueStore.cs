using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Online;
using Registry.Core.Values;
using Registry.DuckDb.Values;

namespace Registry.DuckDb.Online;

/// <summary>
/// The value store of an API replica that does not own the values file (ADR 0036): latest values and online vectors
/// come from the online store; SQL features are still checked by DuckDB's parser, in a private in-memory database that
/// holds no values; every other value operation (ingest, ranges, statistics, training sets, snapshots) belongs to the
/// owner and is answered 503, so a load balancer that routed it here can retry it there.
/// </summary>
internal sealed class OnlineReplicaValueStore(IOnlineStore online, DuckDbDatabase parser) : IValueStore
{
    public static StoreUnavailableException OwnerOnly() => OnlineStoreMode.OwnerOnly();

    public Task<IStagedBatch> StageAsync(ValueFormat format, Stream body, DataType dataType, CancellationToken ct) => throw OwnerOnly();

    public Task<IStagedBatch> StageQueryAsync(string sql, IReadOnlyList<UpstreamInput> upstream, DataType dataType, DateTimeOffset? from,
        DateTimeOffset? to, CancellationToken ct) => throw OwnerOnly();

    public Task<IReadOnlyList<RuleMeasure>> MeasureAsync(IStagedBatch batch, IReadOnlyList<RuleSpec> rules, CancellationToken ct) => throw OwnerOnly();

    public Task<IReadOnlyList<RuleMeasure>> MeasureAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to,
        IReadOnlyList<RuleSpec> rules, CancellationToken ct) => throw OwnerOnly();

    public Task<IngestCounts> CommitAsync(IStagedBatch batch, ValueTable table, ValueStamp stamp, CancellationToken ct) => throw OwnerOnly();

    public IAsyncEnumerable<ValueRow> ReadAsync(ValueTable table, ValueQuery query, CancellationToken ct) => throw OwnerOnly();

    public Task ExportAsync(ValueTable table, ValueQuery query, ValueFormat format, Stream output, CancellationToken ct) => throw OwnerOnly();

    public Task<IReadOnlyList<ValueRow>> LatestAsync(ValueTable table, int contractMajor, IReadOnlyList<string> entityIds, CancellationToken ct) =>
        online.LatestAsync(table.FeatureName, contractMajor, entityIds, ct);

    public Task<IReadOnlyList<LatestValue?[]>> LatestVectorsAsync(IReadOnlyList<UpstreamInput> members, IReadOnlyList<string> entityIds,
        CancellationToken ct) =>
        online.LatestVectorsAsync(members, entityIds, ct);

    public Task<ValueStats> StatsAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
        throw OwnerOnly();

    public Task<QualityFacts> QualityAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to, int minHistory,
        double zScoreThreshold, CancellationToken ct) => throw OwnerOnly();

    /// <summary>Registering or versioning a SQL feature checks its SQL; the replica does that as the owner would.</summary>
    public Task<SqlReferences> AnalyzeSqlAsync(string sql, CancellationToken ct) =>
        Task.Run(() =>
        {
            using var c = parser.Rent();
            return SqlAnalyzer.Analyze(c, sql);
        }, ct);

    public Task CreateViewAsync(string schema, string view, string sql, IReadOnlyList<UpstreamInput> upstream, CancellationToken ct) =>
        throw OwnerOnly();
}

/// <summary>Training sets on a replica: the owner's work (503).</summary>
internal sealed class OwnerOnlyTrainingStore : Registry.Core.Training.ITrainingStore
{
    public IAsyncEnumerable<object?[]> BuildAsync(Registry.Core.Training.LabelSource labels, IReadOnlyList<Registry.Core.Training.PinnedFeature> features,
        DateTimeOffset? asOf, CancellationToken ct) => throw OnlineReplicaValueStore.OwnerOnly();

    public Task ExportAsync(Registry.Core.Training.LabelSource labels, IReadOnlyList<Registry.Core.Training.PinnedFeature> features, DateTimeOffset? asOf,
        ValueFormat format, Stream output, CancellationToken ct) => throw OnlineReplicaValueStore.OwnerOnly();
}

/// <summary>Snapshot files on a replica: written by the owner (503); the records are in the registry and read anywhere.</summary>
internal sealed class OwnerOnlySnapshotFiles : Registry.Core.Snapshots.ISnapshotFileStore
{
    public Task<Registry.Core.Snapshots.WrittenSnapshot> WriteAsync(Registry.Core.Snapshots.SnapshotPlan plan, CancellationToken ct) =>
        throw OnlineReplicaValueStore.OwnerOnly();

    public void Delete(Guid id) { }
}
