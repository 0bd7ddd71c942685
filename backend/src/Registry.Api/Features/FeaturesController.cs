using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Api.Lineage;
using Registry.Core.Auth;
using Registry.Core.Features;
using Registry.Core.Lineage;

namespace Registry.Api.Features;

/// <summary>Feature definitions: register, find, describe, and move through the lifecycle.</summary>
[Route("api/v1/features")]
public sealed class FeaturesController(FeatureService features, IMapper mapper, FeatureResponseJson written) : RegistryControllerBase
{
    /// <summary>Register a feature definition.</summary>
    /// <remarks>The feature starts as a draft at version 1.0.0. Upstream features must exist. The name stays reserved forever.</remarks>
    [HttpPost]
    [Consumes("application/json")]
    // The first example is the one Swagger UI pre-fills: it must succeed on an empty registry, so the raw input comes first.
    [RequestExample(FeatureExamples.CreateDailyClose, "stock_daily_close", "A raw feature: the daily close (register it first)")]
    [RequestExample(FeatureExamples.CreateStockRsi, "stock_rsi_14d", "The RSI computed from stock_daily_close")]
    [ProducesResponseType<FeatureResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<FeatureResponse>> CreateFeature([FromBody] CreateFeatureRequest request, CancellationToken ct)
    {
        var feature = await features.CreateAsync(request, User.ToCaller(), ct);
        Response.SetETag(feature.Revision);
        return CreatedAtAction(nameof(GetFeature), new { feature_name = feature.FeatureName }, mapper.Map<FeatureResponse>(feature));
    }

    /// <summary>List features, filtered and paged.</summary>
    /// <remarks>Ordered by name. Archived features appear only with status=archived. tags match all given (repeat the parameter or separate by commas).</remarks>
    [HttpGet]
    [ProducesResponseType<FeatureListResponse>(StatusCodes.Status200OK)]
    public async Task<ActionResult<FeatureListResponse>> ListFeatures(
        [FromQuery] FeatureType? featureType,
        [FromQuery] FeatureStatus? status,
        [FromQuery] string? owner,
        [FromQuery] string[]? tags,
        [FromQuery] string? search,
        [FromQuery] int skip = 0,
        [FromQuery] int limit = FeatureService.DefaultLimit,
        CancellationToken ct = default)
    {
        var page = await features.ListAsync(new FeatureListQuery(featureType, status, owner, tags ?? [], search, skip, limit), ct);
        // Each item as already written for its definition (ADR 0052), in FeatureListResponse's shape (ADR 0056).
        return new FeatureListAnswer(page.Features.Select(written.Of).ToList(), page.Total, skip, limit);
    }

    /// <summary>Get one feature definition, now or as it stood at an instant.</summary>
    /// <remarks>With `as_of` (ISO 8601, e.g. 2025-01-01T00:00:00Z) the answer is the definition as it stood then
    /// (version, transformation, rules, status): which logic was live when a model was trained. 404 before the feature existed.
    /// `downstream_features` is left empty in an `as_of` answer.</remarks>
    [HttpGet("{feature_name}")]
    [ProducesResponseType<FeatureResponse>(StatusCodes.Status200OK)]
    public async Task<FeatureResponse> GetFeature(
        [FromRoute] string featureName,
        [FromQuery] DateTimeOffset? asOf,
        CancellationToken ct)
    {
        var feature = asOf is { } instant ? await features.GetAsOfAsync(featureName, instant, ct) : await features.GetAsync(featureName, ct);
        Response.SetETag(feature.Revision);
        return mapper.Map<FeatureResponse>(feature);
    }

    /// <summary>Change a feature's metadata: description, owner, tags, upstream features.</summary>
    /// <remarks>Omitted fields are kept. The transformation and validation rules change only through a new version.
    /// Send If-Match with the ETag you read to refuse the change (412) if someone else changed the feature meanwhile.</remarks>
    [HttpPut("{feature_name}")]
    [Consumes("application/json")]
    [RequestExample(FeatureExamples.UpdateMetadata)]
    [ProducesResponseType<FeatureResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<FeatureResponse> UpdateFeature(
        [FromRoute] string featureName, [FromBody] UpdateFeatureRequest request, CancellationToken ct)
    {
        var feature = await features.UpdateAsync(featureName, request, Request.IfMatchRevision(), ct);
        Response.SetETag(feature.Revision);
        return mapper.Map<FeatureResponse>(feature);
    }

    /// <summary>Archive a feature (soft delete).</summary>
    /// <remarks>The name stays reserved and the history is kept. Refused (409) while an active feature lists it upstream.</remarks>
    [HttpDelete("{feature_name}")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    public async Task<IActionResult> DeleteFeature([FromRoute] string featureName, CancellationToken ct)
    {
        await features.DeleteAsync(featureName, Request.IfMatchRevision(), ct);
        return NoContent();
    }

    /// <summary>Activate a draft or deprecated feature.</summary>
    [HttpPost("{feature_name}/activate")]
    [ProducesResponseType<FeatureResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    public async Task<FeatureResponse> ActivateFeature([FromRoute] string featureName, CancellationToken ct)
    {
        var feature = await features.ActivateAsync(featureName, Request.IfMatchRevision(), ct);
        Response.SetETag(feature.Revision);
        return mapper.Map<FeatureResponse>(feature);
    }

    /// <summary>Deprecate a feature (or, with dry_run=true, see what it would affect).</summary>
    /// <remarks>Refused (409, listing them) while active downstream features depend on it. With dry_run=true nothing
    /// changes and the answer is the impact analysis (ImpactResponse, as GET …/impact) with `can_deprecate`.</remarks>
    [HttpPost("{feature_name}/deprecate")]
    [RequiresScope(ApiKeyScope.Write, ReadOnlyWhen = "dry_run")]
    [ProducesOneOf(StatusCodes.Status200OK, typeof(FeatureResponse), typeof(ImpactResponse))]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    public async Task<IActionResult> DeprecateFeature(
        [FromRoute] string featureName,
        [FromQuery] bool dryRun,
        [FromServices] LineageService lineage,
        CancellationToken ct)
    {
        if (dryRun) return Ok(mapper.Map<ImpactResponse>(await lineage.GetImpactAsync(featureName, ct)));
        var feature = await features.DeprecateAsync(featureName, Request.IfMatchRevision(), ct);
        Response.SetETag(feature.Revision);
        return Ok(mapper.Map<FeatureResponse>(feature));
    }
}
