using Registry.Core.Values;

namespace Registry.Core.Online;

/// <summary>
/// A feature's latest value for one entity in one contract major, as the online store keeps it: what a latest read
/// returns, plus the contract. <see cref="Value"/> is a double, long, string, bool, DateTimeOffset or null.
/// </summary>
public sealed record OnlineRow(string EntityId, int ContractMajor, DateTimeOffset EventTs, object? Value, string FeatureVersion, DateTimeOffset IngestedAt);

/// <summary>
/// The optional online store (Redis, ADR 0034): a copy of every feature's latest value per (contract major, entity),
/// written by the process that owns the values file, read by any API replica. The values file stays the truth; this
/// copy can always be rebuilt from it. Outages surface as <see cref="Common.StoreUnavailableException"/>.
/// </summary>
public interface IOnlineStore
{
    /// <summary>
    /// Writes each row unless the store already holds a newer one for its key (greater event time, or the same event
    /// time ingested later), so writes in any order, repeated writes and a backfill racing an ingest all end on the
    /// newest value. Rows whose time to live has passed are not written. Returns how many keys changed.
    /// </summary>
    Task<long> WriteAsync(string featureName, IReadOnlyList<OnlineRow> rows, CancellationToken ct);

    /// <summary>The latest value per entity in one contract (the <c>values/latest</c> read).</summary>
    Task<IReadOnlyList<ValueRow>> LatestAsync(string featureName, int contractMajor, IReadOnlyList<string> entityIds, CancellationToken ct);

    /// <summary>For each entity (in order), each member's latest value in its contract, or null: an online vector.</summary>
    Task<IReadOnlyList<LatestValue?[]>> LatestVectorsAsync(IReadOnlyList<UpstreamInput> members, IReadOnlyList<string> entityIds, CancellationToken ct);

    /// <summary>Whether a full backfill completed since the store last lost its data (readers refuse to answer before).</summary>
    Task<bool> IsCompleteAsync(CancellationToken ct);

    /// <summary>Starts a full backfill: remembers <paramref name="epoch"/>, which a loss of Redis' data forgets.</summary>
    Task BeginBackfillAsync(string epoch, CancellationToken ct);

    /// <summary>
    /// Records that every feature's latest values have been written (the end of a full backfill), if the store still
    /// holds <paramref name="epoch"/>, i.e. lost nothing since the backfill began; false otherwise.
    /// </summary>
    Task<bool> MarkCompleteAsync(string epoch, CancellationToken ct);
}
