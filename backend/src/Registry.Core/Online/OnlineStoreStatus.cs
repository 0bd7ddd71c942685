using Registry.Core.Common;
using Registry.Core.Features;

namespace Registry.Core.Online;

/// <summary>What this process does with the online store: nothing (off), keeps it (owner of the values file), or reads it (replica).</summary>
public enum OnlineRole { Off, Owner, Replica }

/// <summary>This process' <see cref="OnlineRole"/>, as a service.</summary>
public sealed record OnlineStoreMode(OnlineRole Role)
{
    /// <summary>What a replica answers to value work: 503 (Retry-After), the load balancer's cue to send it to the owner.</summary>
    public static StoreUnavailableException OwnerOnly() =>
        new("This replica does not hold the values.", "Ingest, value ranges, statistics, validation, SQL features' values, training sets and " +
            "snapshots are served by the process that owns the DuckDB file; send the request there.");
}

/// <summary>A backfill's progress: features done of all it covers, rows read from DuckDB and keys it changed in the online store.</summary>
public sealed record OnlineBackfill(
    string? FeatureName,
    string State,
    int FeaturesDone,
    int FeaturesTotal,
    long RowsRead,
    long KeysWritten,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error);

/// <summary>The online store as this process sees it.</summary>
public sealed record OnlineStoreStatus(
    OnlineRole Role,
    bool? Reachable,
    bool? Complete,
    long? PendingFeatures,
    DateTimeOffset? OldestPendingSince,
    OnlineBackfill? Backfill);

/// <summary>The values owner's upkeep of the online store (repair and backfill); absent on replicas and with the store off.</summary>
public interface IOnlineSync
{
    /// <summary>The repair backlog: features behind, and the oldest commit not yet copied.</summary>
    Task<(long Pending, DateTimeOffset? OldestSince)> BacklogAsync(CancellationToken ct);

    OnlineBackfill? LastBackfill { get; }

    /// <summary>Starts a backfill of one feature or of all (null); when one is running, returns it instead of starting another.</summary>
    OnlineBackfill StartBackfill(string? featureName);
}

/// <summary>GET and POST /api/v1/online-store: the status, and a backfill on request (after a Redis loss, or when first enabled).</summary>
public sealed class OnlineStoreService(OnlineStoreMode mode, IFeatureStore features, IOnlineStore? store = null, IOnlineSync? sync = null)
{
    private readonly OnlineRole _role = mode.Role;

    public async Task<OnlineStoreStatus> StatusAsync(CancellationToken ct)
    {
        if (_role == OnlineRole.Off || store is null) return new OnlineStoreStatus(OnlineRole.Off, null, null, null, null, null);
        bool? reachable = null, complete = null;
        try
        {
            complete = await store.IsCompleteAsync(ct);
            reachable = true;
        }
        catch (StoreUnavailableException) { reachable = false; }
        long? pending = null;
        DateTimeOffset? oldest = null;
        if (sync is not null) (pending, oldest) = await sync.BacklogAsync(ct);
        return new OnlineStoreStatus(_role, reachable, complete, pending, oldest, sync?.LastBackfill);
    }

    public async Task<OnlineBackfill> BackfillAsync(string? featureName, CancellationToken ct)
    {
        if (_role == OnlineRole.Off || store is null)
            throw new ConflictException("The online store is off.", "Set OnlineStore:Redis on the process that owns the values file to turn it on.");
        if (sync is null)
            throw new ConflictException("This process does not own the values.",
                "A replica only reads the online store; send the backfill to the process that owns the DuckDB file.");
        if (featureName is not null)
        {
            FeatureService.CheckName(featureName);
            _ = await features.GetAsync(featureName, ct) ?? throw new NotFoundException($"Feature '{featureName}' does not exist.");
        }
        return sync.StartBackfill(featureName);
    }
}
