using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Core.Snapshots;

namespace Registry.Api.Snapshots;

/// <summary>
/// Snapshots: point-in-time training sets of a feature set version, written once as Parquet files with their checksums
/// and normalization statistics, and the audit log of the models trained on them.
/// </summary>
[Route("api/v1")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
public sealed class SnapshotsController(SnapshotService snapshots, IMapper mapper) : RegistryControllerBase
{
    /// <summary>Write a snapshot of a feature set version over a time range.</summary>
    /// <remarks>
    /// The rows are a point-in-time training set over the version's members (columns `entity_id`, `ts`, then one per
    /// member in member order; each value is the latest with event time ≤ `ts`, in the contract of the member's pinned
    /// version). With a `timeframe` (1m, 5m, 15m, 30m, 1h, 4h, 1d) there is a row for every grid instant in [`from`, `to`)
    /// (aligned on the epoch: 1d at 00:00 UTC) for each entity, the given `entity_ids` or by default every entity with a
    /// value of any member in the range. Without one (`raw`), a row for every stored (entity, event time) of any member in
    /// the range. Files: one Parquet file per UTC day, `{feature_set}/{timeframe}/YYYYMMDD.parquet` under the snapshot's
    /// own directory; never overwritten. The record keeps each file's rows, bytes and SHA-256, a checksum over them, and
    /// each member's normalization statistics. 400 for a bad range or timeframe, or more than 10,000,000 rows or 10,000
    /// daily files (naming the field); 404 for an unknown set or version; 422 when no row would have any value.
    /// </remarks>
    [HttpPost("feature-sets/{feature_set_name}/versions/{version}/snapshots")]
    [ValuesOwnerOnly]
    [Consumes("application/json")]
    [RequestExample(SnapshotExamples.Daily, "daily", "Daily rows for two instruments")]
    [RequestExample(SnapshotExamples.Raw, "raw", "Every stored event time")]
    [ProducesResponseType<SnapshotResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<SnapshotResponse>> CreateSnapshot(
        [FromRoute] string featureSetName,
        [FromRoute] string version,
        [FromBody] CreateSnapshotRequest request,
        CancellationToken ct)
    {
        var snapshot = await snapshots.CreateAsync(featureSetName, version, request, User.ToCaller(), ct);
        return CreatedAtAction(nameof(GetSnapshot), new { snapshot_id = snapshot.Id }, mapper.Map<SnapshotResponse>(snapshot));
    }

    /// <summary>List snapshots, newest first.</summary>
    /// <remarks>`feature_set` keeps one feature set's snapshots. Items carry `file_count` and `bytes`; the files are in
    /// the snapshot itself.</remarks>
    [HttpGet("snapshots")]
    [ProducesResponseType<SnapshotListResponse>(StatusCodes.Status200OK)]
    public async Task<SnapshotListResponse> ListSnapshots(
        [FromQuery] string? featureSet,
        [FromQuery] int skip = 0,
        [FromQuery] int limit = SnapshotService.DefaultLimit,
        CancellationToken ct = default) =>
        ListResponse(await snapshots.ListAsync(new SnapshotListQuery(featureSet, skip, limit), ct), skip, limit);

    /// <summary>Get a snapshot with its files, checksums and columns.</summary>
    [HttpGet("snapshots/{snapshot_id}")]
    [ProducesResponseType<SnapshotResponse>(StatusCodes.Status200OK)]
    public async Task<SnapshotResponse> GetSnapshot([FromRoute] string snapshotId, CancellationToken ct) =>
        mapper.Map<SnapshotResponse>(await snapshots.GetAsync(SnapshotService.ParseId(snapshotId), ct));

    /// <summary>Get a snapshot's normalization statistics.</summary>
    /// <remarks>Per member, in order: `count` of non-null values, `mean`, `std`, `min`, `max` over the snapshot's rows.
    /// `std` is the population standard deviation (ddof = 0), as scikit-learn's StandardScaler computes it, so
    /// z = (x − mean) / std reproduces the training-time transform. Null for non-numeric members and members without values.</remarks>
    [HttpGet("snapshots/{snapshot_id}/normalization")]
    [ProducesResponseType<SnapshotNormalizationResponse>(StatusCodes.Status200OK)]
    public async Task<SnapshotNormalizationResponse> GetSnapshotNormalization([FromRoute] string snapshotId, CancellationToken ct) =>
        mapper.Map<SnapshotNormalizationResponse>(await snapshots.GetNormalizationAsync(SnapshotService.ParseId(snapshotId), ct));

    /// <summary>Record that a model trained on a snapshot.</summary>
    /// <remarks>Appends to the snapshot's audit log and, in the same transaction, records a use of each member feature
    /// version (in `GET /api/v1/features/{feature_name}/usage` and `/statistics`, with this `snapshot_id`). `execution_id`
    /// is the training run; `usage_timestamp` defaults to now and cannot be before the snapshot existed (422).</remarks>
    [HttpPost("snapshots/{snapshot_id}/usage")]
    [Consumes("application/json")]
    [RequestExample(SnapshotExamples.Usage)]
    [ProducesResponseType<RecordedSnapshotUsageResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<RecordedSnapshotUsageResponse>> RecordSnapshotUsage(
        [FromRoute] string snapshotId, [FromBody] RecordSnapshotUsageRequest request, CancellationToken ct)
    {
        var id = SnapshotService.ParseId(snapshotId);
        var recorded = await snapshots.RecordUsageAsync(id, request, ct);
        return CreatedAtAction(nameof(ListSnapshotUsage), new { snapshot_id = id }, mapper.Map<RecordedSnapshotUsageResponse>(recorded));
    }

    /// <summary>List the models trained on a snapshot (its audit log), newest first.</summary>
    [HttpGet("snapshots/{snapshot_id}/usage")]
    [ProducesResponseType<SnapshotUsageListResponse>(StatusCodes.Status200OK)]
    public async Task<SnapshotUsageListResponse> ListSnapshotUsage(
        [FromRoute] string snapshotId,
        [FromQuery] int skip = 0,
        [FromQuery] int limit = SnapshotService.DefaultLimit,
        CancellationToken ct = default)
    {
        var id = SnapshotService.ParseId(snapshotId);
        var page = await snapshots.ListUsageAsync(id, skip, limit, ct);
        return new SnapshotUsageListResponse(id, mapper.Map<List<SnapshotUsageResponse>>(page.Usage), page.Total);
    }

    private SnapshotListResponse ListResponse(SnapshotPage page, int skip, int limit) =>
        new(mapper.Map<List<SnapshotSummaryResponse>>(page.Snapshots), page.Total, skip, limit);
}
