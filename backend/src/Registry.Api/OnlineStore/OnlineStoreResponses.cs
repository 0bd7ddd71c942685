using Mapster;
using Registry.Core.Online;

namespace Registry.Api.OnlineStore;

/// <summary>A backfill: <c>state</c> is running, succeeded or failed; counts so far.</summary>
public sealed record OnlineBackfillResponse(
    string? FeatureName,
    string State,
    int FeaturesDone,
    int FeaturesTotal,
    long RowsRead,
    long KeysWritten,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error);

/// <summary>
/// The online store as this process sees it. <c>role</c>: off, owner (keeps Redis from the values file) or replica
/// (reads it). <c>complete</c>: Redis holds every latest value (false until a backfill finishes after a loss).
/// <c>pending_features</c> and <c>oldest_pending_since</c> (owner only): commits whose copy to Redis is still to repair.
/// </summary>
public sealed record OnlineStoreStatusResponse(
    OnlineRole Role,
    bool? Reachable,
    bool? Complete,
    long? PendingFeatures,
    DateTimeOffset? OldestPendingSince,
    OnlineBackfillResponse? Backfill);

internal sealed class OnlineStoreMappings : IRegister
{
    public void Register(TypeAdapterConfig config)
    {
        config.NewConfig<OnlineBackfill, OnlineBackfillResponse>();
        config.NewConfig<OnlineStoreStatus, OnlineStoreStatusResponse>();
    }
}
