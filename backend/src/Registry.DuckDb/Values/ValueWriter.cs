using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Registry.Core.Common;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// The second half of an ingest: a staged batch becomes the feature's rows and its latest values in one transaction.
/// Writes to one feature are serialized (they update its latest-value table); writes to different features run in parallel.
/// With the online store on, the commit also records that the feature's online copy is behind, and once committed
/// writes the latest values it changed there (<see cref="Online.OnlinePublisher"/>).
/// </summary>
internal sealed class ValueWriter(ValueTables tables, LatestCache latest, TimeProvider clock, Online.OnlinePublisher? online = null)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastIngest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _writeLocks = new(StringComparer.Ordinal);

    /// <summary>The lock of one feature's commits (by feature name: its value and latest tables are its own).</summary>
    public SemaphoreSlim Gate(string feature) => _writeLocks.GetOrAdd(feature, _ => new SemaphoreSlim(1, 1));

    public async Task<IngestCounts> CommitAsync(IStagedBatch batch, ValueTable table, ValueStamp stamp, CancellationToken ct)
    {
        var b = (StagedBatch)batch;
        var c = b.Connection;
        if (b.RowCount == 0) return new IngestCounts(0, 0, clock.Now());
        tables.Ensure(c, table);
        var gate = Gate(table.FeatureName);
        // The one real wait of a commit: another commit to the same feature (or its online repair).
        await gate.WaitAsync(ct);
        var changed = "changed_" + Guid.NewGuid().ToString("N");
        try
        {
            DateTimeOffset min, max;
            using (var r = c.Query($"SELECT min(event_ts), max(event_ts) FROM {ValueSql.Temp(b.Stage)}"))
            {
                r.Read();
                (min, max) = (r.GetTimestamp(0), r.GetTimestamp(1));
            }
            // Taken under the lock and strictly increasing per feature: a later commit never gets an earlier instant,
            // so a read as_of an instant cannot change afterwards because of a slower writer.
            var now = clock.Now();
            var ingestedAt = _lastIngest.TryGetValue(table.QualifiedName, out var last) && now <= last ? last.AddTicks(10) : now;
            c.Begin();
            bool overlaps;
            using (var r = c.Query(ValueSql.Overlaps(table), stamp.ContractMajor, min, max))
            {
                r.Read();
                overlaps = r.GetBoolean(0);
            }
            // A first load, or a new period: nothing stored can match, so every staged row is a changed row and the
            // anti-join (a window over the stored range and a copy of the whole batch) is skipped.
            var rows = b.Stage;
            if (overlaps)
            {
                c.Execute(ValueSql.Changed(changed, b.Stage, table), stamp.ContractMajor, min, max);
                rows = changed;
            }
            long written = c.Execute(ValueSql.Insert(rows, table), stamp.FeatureVersion, stamp.ContractMajor, ingestedAt, stamp.BatchId.ToString());
            c.Execute(ValueSql.UpsertLatest(rows, table), stamp.ContractMajor, stamp.FeatureVersion, ingestedAt);
            if (online is not null && written > 0) Online.OnlinePublisher.MarkPending(c, table.FeatureName, ingestedAt);
            // DuckDB writes the WAL on COMMIT: once this returns, the batch survives a kill of the process.
            c.Commit();
            latest.Changed(table.FeatureName);
            _lastIngest[table.QualifiedName] = ingestedAt;
            // Before the answer: an acknowledged latest value is in the online store, or queued for repair.
            if (online is not null && written > 0) await online.PublishAsync(c, table.FeatureName, ingestedAt, CancellationToken.None);
            return new IngestCounts(written, b.RowCount - written, ingestedAt);
        }
        finally
        {
            c.Rollback();
            gate.Release();
            try { c.Execute($"DROP TABLE IF EXISTS {ValueSql.Temp(changed)}"); } catch (DuckDBException) { /* dies with the connection */ }
        }
    }
}
