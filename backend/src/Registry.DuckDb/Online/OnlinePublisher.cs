using Microsoft.Extensions.Logging;
using Registry.Core.Common;
using Registry.Core.Online;
using Registry.DuckDb.Values;

namespace Registry.DuckDb.Online;

/// <summary>
/// The values owner's half of the online store (ADR 0035). A commit records, in its own DuckDB transaction, that the
/// feature's online copy is behind (<c>registry_meta.online_pending</c>: feature, ingestion instant); after the commit
/// it writes the latest values that commit changed to the online store and clears its record. When the online store
/// is down the record stays, so a kill of the process or a Redis outage can delay the copy but never lose it:
/// <see cref="OnlineSync"/> replays every record, oldest first, until none is left. Nothing is stale silently: the
/// backlog is a metric (registry.online.repair_lag_seconds) and part of GET /api/v1/online-store.
/// </summary>
internal sealed class OnlinePublisher(IOnlineStore store, ILogger<OnlinePublisher> logger)
{
    /// <summary>Rows read from DuckDB per write to Redis: bounds memory on a bulk ingest of millions of entities.</summary>
    private const int Chunk = 10_000;

    public const string PendingTable = DuckDbMigrations.Schema + ".online_pending";

    /// <summary>Signalled when a write failed, so the repair loop does not wait for its next tick to notice.</summary>
    public event Action? Failed;

    public IOnlineStore Store => store;

    /// <summary>In the commit's transaction: the feature is behind from <paramref name="ingestedAt"/> on (an older record wins).</summary>
    public static void MarkPending(DuckDbSession c, string feature, DateTimeOffset ingestedAt) =>
        c.Execute($"INSERT INTO {PendingTable} VALUES (?, ?) ON CONFLICT DO NOTHING", feature, ingestedAt);

    /// <summary>
    /// After the commit, under the feature's write lock: the latest values ingested at <paramref name="ingestedAt"/> (the
    /// ones this commit changed; instants are unique per feature) go to the online store. False when it is down.
    /// </summary>
    public async Task<bool> PublishAsync(DuckDbSession c, string feature, DateTimeOffset ingestedAt, CancellationToken ct)
    {
        try
        {
            await CopyAsync(c, feature, "ingested_at = ?", [ingestedAt], ct);
            c.Execute($"DELETE FROM {PendingTable} WHERE feature_name = ? AND since = ?", feature, ingestedAt);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The values are committed: whatever went wrong here, the ingest succeeded and the record queues a repair.
            RegistryMetrics.OnlineWriteFailed();
            if (e is StoreUnavailableException)
                logger.Unavailable(feature);
            else
                logger.WriteFailed(e, feature);
            Failed?.Invoke();
            return false;
        }
    }

    /// <summary>Every latest value of the feature ingested at or after <paramref name="since"/> (all of them when null); returns (rows read, keys written).</summary>
    public async Task<(long Rows, long Written)> CopyAsync(DuckDbSession c, string feature, DateTimeOffset? since, CancellationToken ct) =>
        since is { } s ? await CopyAsync(c, feature, "ingested_at >= ?", [s], ct) : await CopyAsync(c, feature, "true", [], ct);

    private async Task<(long Rows, long Written)> CopyAsync(DuckDbSession c, string feature, string filter, object?[] args, CancellationToken ct)
    {
        long read = 0, written = 0;
        var rows = new List<OnlineRow>(Chunk);
        // Materialized by DuckDB.NET before the first row is returned, so no lock is held while Redis answers.
        using var r = c.Query(
            $"SELECT entity_id, contract_major, event_ts, value, feature_version, ingested_at FROM {LatestTable(feature)} WHERE {filter}", args);
        while (r.Read())
        {
            rows.Add(new OnlineRow(r.GetString(0), r.GetInt32(1), r.GetTimestamp(2), r.GetValueOrNull(3), r.GetString(4), r.GetTimestamp(5)));
            if (rows.Count < Chunk) continue;
            written += await store.WriteAsync(feature, rows, ct);
            read += rows.Count;
            rows.Clear();
        }
        written += await store.WriteAsync(feature, rows, ct);
        read += rows.Count;
        return (read, written);
    }

    public static string LatestTable(string feature) => $"{ValueSql.Q(ValueSql.LatestSchema)}.{ValueSql.Q(feature)}";
}
