using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Core.Usage;

namespace Registry.Api.Usage;

/// <summary>Usage statistics: which model used which feature version, and the figures per feature.</summary>
[Route("api/v1/features")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
public sealed class UsageController(UsageService usage, IMapper mapper) : RegistryControllerBase
{
    /// <summary>Record that a model used a feature version.</summary>
    /// <remarks>The feature must exist (404) and the version must have been published (422). `usage_timestamp`
    /// defaults to now and is kept to the microsecond. The feature's `usage_count` and `last_used_at` change in the
    /// same transaction; its revision (ETag) does not, since usage is not a definition change.</remarks>
    [HttpPost("usage")]
    [Consumes("application/json")]
    [RequestExample(UsageExamples.Record)]
    [ProducesResponseType<FeatureUsageResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<FeatureUsageResponse>> RecordUsage([FromBody] RecordUsageRequest request, CancellationToken ct)
    {
        var record = await usage.RecordAsync(request, ct);
        return CreatedAtAction(nameof(ListUsage), new { feature_name = record.FeatureName }, mapper.Map<FeatureUsageResponse>(record));
    }

    /// <summary>Record many uses at once, e.g. every feature of a training run.</summary>
    /// <remarks>1 to 1000 records, stored all together or not at all. Errors name the record (`records[3].feature_name`);
    /// unknown features (404) and unpublished versions (422) are all listed in the problem document.</remarks>
    [HttpPost("usage/batch")]
    [Consumes("application/json")]
    [RequestExample(UsageExamples.Batch)]
    [ProducesResponseType<RecordedUsageBatchResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<RecordedUsageBatchResponse>> RecordUsageBatch([FromBody] RecordUsageBatchRequest request, CancellationToken ct)
    {
        var records = await usage.RecordBatchAsync(request, ct);
        return StatusCode(StatusCodes.Status201Created, new RecordedUsageBatchResponse(records.Count, mapper.Map<List<FeatureUsageResponse>>(records)));
    }

    /// <summary>List a feature's usage records, newest first.</summary>
    /// <remarks>Ordered by `usage_timestamp`, newest first (then by id). `limit` is 1 to 500.</remarks>
    [HttpGet("{feature_name}/usage")]
    [ProducesResponseType<FeatureUsageListResponse>(StatusCodes.Status200OK)]
    public async Task<FeatureUsageListResponse> ListUsage(
        [FromRoute] string featureName,
        [FromQuery] int skip = 0,
        [FromQuery] int limit = UsageService.DefaultLimit,
        CancellationToken ct = default) =>
        mapper.Map<FeatureUsageListResponse>(await usage.ListAsync(featureName, skip, limit, ct));

    /// <summary>Usage figures of a feature, overall and per version.</summary>
    /// <remarks>Total records, distinct models, records per environment, average importance and correlation (null
    /// when no record gave them), and the last use; `by_version` gives the same per feature version, newest first.</remarks>
    [HttpGet("{feature_name}/statistics")]
    [ProducesResponseType<UsageStatisticsResponse>(StatusCodes.Status200OK)]
    public async Task<UsageStatisticsResponse> GetStatistics([FromRoute] string featureName, CancellationToken ct) =>
        mapper.Map<UsageStatisticsResponse>(await usage.GetStatisticsAsync(featureName, ct));
}
