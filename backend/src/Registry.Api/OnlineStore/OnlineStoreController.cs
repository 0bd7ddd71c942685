using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Core.Auth;
using Registry.Core.Online;

namespace Registry.Api.OnlineStore;

/// <summary>The optional online store in Redis (docs/scaling.md): its state, and a backfill from the values file.</summary>
[Route("api/v1/online-store")]
public sealed class OnlineStoreController(OnlineStoreService online, IMapper mapper) : RegistryControllerBase
{
    /// <summary>Get the online store's state.</summary>
    /// <remarks>
    /// Whether this process keeps the online store (`owner`), reads it (`replica`) or has it off; whether Redis answers and
    /// holds a complete copy; the repair backlog (owner); the last backfill's progress.
    /// </remarks>
    [HttpGet]
    [ProducesResponseType<OnlineStoreStatusResponse>(StatusCodes.Status200OK)]
    public async Task<OnlineStoreStatusResponse> GetOnlineStoreStatus(CancellationToken ct) =>
        mapper.Map<OnlineStoreStatusResponse>(await online.StatusAsync(ct));

    /// <summary>Rebuild the online store from the values file.</summary>
    /// <remarks>
    /// Copies every latest value of `feature_name` (or of every feature) from DuckDB to Redis, in the background: 202 with
    /// the progress, which `GET /api/v1/online-store` keeps reporting. Idempotent: Redis keeps the newest value whatever the
    /// order of writes, so a backfill racing ingests, or run twice, leaves the same state. While one runs, another request
    /// returns it. Only the process that owns the values file can do it (409 elsewhere, and when the store is off).
    /// </remarks>
    /// <param name="featureName">The one feature to copy (its name: lowercase letters, digits and underscores); every feature when absent.</param>
    /// <param name="ct">Cancelled when the client goes away.</param>
    [HttpPost("backfill")]
    [RequiresScope(ApiKeyScope.Admin)]
    [ProducesResponseType<OnlineBackfillResponse>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> BackfillOnlineStore([FromQuery] string? featureName, CancellationToken ct) =>
        Accepted("/api/v1/online-store", mapper.Map<OnlineBackfillResponse>(await online.BackfillAsync(featureName, ct)));
}
