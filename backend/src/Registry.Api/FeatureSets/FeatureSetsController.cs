using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Core.FeatureSets;

namespace Registry.Api.FeatureSets;

/// <summary>Feature sets: named, versioned groups of features, each pinned to a feature version, that models train and serve on.</summary>
[Route("api/v1/feature-sets")]
public sealed class FeatureSetsController(FeatureSetService featureSets, IMapper mapper) : RegistryControllerBase
{
    private const string SetETag = "The set's current version, a strong tag (e.g. \"1.0.0\"). Send it back in `If-Match` to publish only if nobody else published since.";

    /// <summary>Create a feature set and publish its first version.</summary>
    /// <remarks>One transaction: the set and its first version (`version`, default 1.0.0). Each member is a registered
    /// feature (else 422) pinned to a published version of it (else 422 naming `feature@version`); without
    /// `feature_version` the feature's current version is recorded. A deprecated or archived member is refused (422, with
    /// each member's status). A feature appears once per version (400). The name is unique (409).</remarks>
    [HttpPost]
    [Consumes("application/json")]
    [RequestExample(FeatureSetExamples.Create)]
    [SendsETag(SetETag)]
    [ProducesResponseType<FeatureSetResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<FeatureSetResponse>> CreateFeatureSet([FromBody] CreateFeatureSetRequest request, CancellationToken ct)
    {
        var created = await featureSets.CreateAsync(request, User.ToCaller(), ct);
        Response.SetETag(created.FeatureSet.CurrentVersion);
        return CreatedAtAction(nameof(GetFeatureSet), new { feature_set_name = created.FeatureSet.FeatureSetName }, mapper.Map<FeatureSetResponse>(created));
    }

    /// <summary>List feature sets, filtered and paged, each with its current members.</summary>
    /// <remarks>Ordered by name. `owner` matches exactly; `tags` keeps the sets that carry all the given tags (repeat the parameter or separate by commas), as on features.</remarks>
    [HttpGet]
    [ProducesResponseType<FeatureSetListResponse>(StatusCodes.Status200OK)]
    public async Task<FeatureSetListResponse> ListFeatureSets(
        [FromQuery] string? owner,
        [FromQuery] string[]? tags,
        [FromQuery] int skip = 0,
        [FromQuery] int limit = FeatureSetService.DefaultLimit,
        CancellationToken ct = default)
    {
        var page = await featureSets.ListAsync(new FeatureSetListQuery(owner, tags ?? [], skip, limit), ct);
        return new FeatureSetListResponse(mapper.Map<List<FeatureSetResponse>>(page.FeatureSets), page.Total, skip, limit);
    }

    /// <summary>Get a feature set with its current version's members.</summary>
    /// <remarks>The `ETag` is the current version: send it as `If-Match` when publishing to refuse (412) publishing over a
    /// version someone else published since.</remarks>
    [HttpGet("{feature_set_name}")]
    [SendsETag(SetETag)]
    [ProducesResponseType<FeatureSetResponse>(StatusCodes.Status200OK)]
    public async Task<FeatureSetResponse> GetFeatureSet([FromRoute] string featureSetName, CancellationToken ct)
    {
        var set = await featureSets.GetAsync(featureSetName, ct);
        Response.SetETag(set.FeatureSet.CurrentVersion);
        return mapper.Map<FeatureSetResponse>(set);
    }

    /// <summary>List a feature set's versions, newest first by SemVer precedence.</summary>
    /// <remarks>Paged: `limit` is 1 to 500 (default 100); `total` counts every version.</remarks>
    [HttpGet("{feature_set_name}/versions")]
    [ProducesResponseType<FeatureSetVersionListResponse>(StatusCodes.Status200OK)]
    public async Task<FeatureSetVersionListResponse> ListFeatureSetVersions(
        [FromRoute] string featureSetName,
        [FromQuery] int skip = 0,
        [FromQuery] int limit = FeatureSetService.DefaultVersionLimit,
        CancellationToken ct = default)
    {
        var page = await featureSets.ListVersionsAsync(featureSetName, skip, limit, ct);
        var current = page.FeatureSet.CurrentVersion;
        return new FeatureSetVersionListResponse(page.FeatureSet.FeatureSetName, current,
            mapper.From(page.Versions).WithCurrentVersion(current).AdaptToType<List<FeatureSetVersionResponse>>(), page.Total, skip, limit);
    }

    /// <summary>Get one version of a feature set with its pinned members.</summary>
    /// <remarks>`version` is SemVer 2.0; build metadata does not distinguish versions, so 1.0.0+abc finds 1.0.0.</remarks>
    [HttpGet("{feature_set_name}/versions/{version}")]
    [ProducesResponseType<FeatureSetVersionResponse>(StatusCodes.Status200OK)]
    public async Task<FeatureSetVersionResponse> GetFeatureSetVersion(
        [FromRoute] string featureSetName, [FromRoute] string version, CancellationToken ct)
    {
        var (found, current) = await featureSets.GetVersionWithCurrentAsync(featureSetName, version, ct);
        return mapper.From(found).WithCurrentVersion(current).AdaptToType<FeatureSetVersionResponse>();
    }

    /// <summary>Publish a new version of a feature set.</summary>
    /// <remarks>The full list of members (not a change to the previous list), with `version` or `bump`. The version must be
    /// greater than every existing one (422; 409 if it exists already). Published versions never change: there is no way to
    /// edit one, so a training set built from a version can always be rebuilt. Members follow the same rules as on creation.
    /// With `If-Match` (the set's ETag, its current version) the publish is refused (412) if another version was published since.</remarks>
    [HttpPost("{feature_set_name}/versions")]
    [SendsETag(SetETag)]
    [Consumes("application/json")]
    [RequestExample(FeatureSetExamples.NewVersion, "bump", "A major bump, version computed by the server")]
    [RequestExample(FeatureSetExamples.ExplicitVersion, "explicit", "An explicit version, with the current feature versions")]
    [ProducesResponseType<FeatureSetVersionResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<FeatureSetVersionResponse>> CreateFeatureSetVersion(
        [FromRoute] string featureSetName, [FromBody] CreateFeatureSetVersionRequest request, CancellationToken ct)
    {
        var version = await featureSets.PublishVersionAsync(featureSetName, request, Request.IfMatchTag(), User.ToCaller(), ct);
        Response.SetETag(version.Version);
        return CreatedAtAction(nameof(GetFeatureSetVersion), new { feature_set_name = featureSetName, version = version.Version },
            mapper.From(version).WithCurrentVersion(version.Version).AdaptToType<FeatureSetVersionResponse>());
    }
}
