using System.ComponentModel.DataAnnotations;
using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Registry.Api.Features;
using Registry.Api.Infrastructure;
using Registry.Core.Versions;

namespace Registry.Api.Versions;

/// <summary>Semantic versions of a feature: publish, list, compare, roll back.</summary>
[Route("api/v1/features/{feature_name}")]
public sealed class VersionsController(VersionService versions, IMapper mapper) : RegistryControllerBase
{
    /// <summary>Publish a new version of a feature.</summary>
    /// <remarks>Give `version` or `bump`. The version must be greater than every existing one (422), and a breaking
    /// change must be a major bump (422). The transformation and rules given become current; omitted ones are carried over.</remarks>
    [HttpPost("versions")]
    [Consumes("application/json")]
    [RequestExample(VersionExamples.Minor, "minor", "An explicit minor version")]
    [RequestExample(VersionExamples.Bump, "breaking", "A breaking change, version computed by the server")]
    [ProducesResponseType<PublishedVersionResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<PublishedVersionResponse>> CreateVersion(
        [FromRoute] string featureName, [FromBody] CreateVersionRequest request, CancellationToken ct)
    {
        var (feature, version) = await versions.CreateAsync(featureName, request, Request.IfMatchRevision(), User.ToCaller(), ct);
        Response.SetETag(feature.Revision);
        return CreatedAtAction(nameof(GetVersion), new { feature_name = featureName, version = version.Version },
            Published(feature, version));
    }

    /// <summary>List a feature's versions, newest first by SemVer precedence.</summary>
    /// <remarks>Paged: `limit` is 1 to 500 (default 100); `total` counts every version.</remarks>
    [HttpGet("versions")]
    [ProducesResponseType<VersionListResponse>(StatusCodes.Status200OK)]
    public async Task<VersionListResponse> ListVersions([FromRoute] string featureName,
        [FromQuery] int skip = 0,
        [FromQuery] int limit = VersionService.DefaultLimit,
        CancellationToken ct = default) =>
        ListResponse(featureName, await versions.ListAsync(featureName, skip, limit, ct), skip, limit);

    /// <summary>Get one version with its snapshots.</summary>
    [HttpGet("versions/{version}")]
    [ProducesResponseType<VersionResponse>(StatusCodes.Status200OK)]
    public async Task<VersionResponse> GetVersion(
        [FromRoute] string featureName, [FromRoute] string version, CancellationToken ct)
    {
        var (found, current) = await versions.GetAsync(featureName, version, ct);
        return mapper.From(found).WithCurrentVersion(current).AdaptToType<VersionResponse>();
    }

    /// <summary>Compare two versions' snapshots field by field.</summary>
    [HttpGet("versions/{from}/diff/{to}")]
    [ProducesResponseType<VersionDiffResponse>(StatusCodes.Status200OK)]
    public async Task<VersionDiffResponse> DiffVersions(
        [FromRoute] string featureName, [FromRoute] string from, [FromRoute] string to,
        CancellationToken ct) =>
        mapper.Map<VersionDiffResponse>(await versions.DiffAsync(featureName, from, to, ct));

    /// <summary>Roll back to an earlier version.</summary>
    /// <remarks>Publishes the target's snapshots as the next patch version (with `restored_from`) and marks the
    /// version that was current as rolled back. History is never deleted or renumbered. 422 when the target is
    /// already current; 409 for an archived feature.</remarks>
    [HttpPost("rollback")]
    [Consumes("application/json")]
    [RequestExample(VersionExamples.Rollback)]
    [ProducesResponseType<PublishedVersionResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<PublishedVersionResponse>> RollbackFeature(
        [FromRoute] string featureName,
        [FromQuery, Required] string? targetVersion,
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] RollbackRequest? request,
        CancellationToken ct)
    {
        var (feature, version) = await versions.RollbackAsync(featureName, targetVersion, request, Request.IfMatchRevision(), User.ToCaller(), ct);
        Response.SetETag(feature.Revision);
        return CreatedAtAction(nameof(GetVersion), new { feature_name = featureName, version = version.Version },
            Published(feature, version));
    }

    private PublishedVersionResponse Published(Registry.Core.Features.FeatureDefinition feature, FeatureVersion version) => new(
        mapper.From(version).WithCurrentVersion(feature.CurrentVersion).AdaptToType<VersionResponse>(), mapper.Map<FeatureResponse>(feature));

    private VersionListResponse ListResponse(string featureName, VersionPage page, int skip, int limit) => new(
        featureName, page.CurrentVersion,
        mapper.From(page.Versions).WithCurrentVersion(page.CurrentVersion).AdaptToType<List<VersionResponse>>(), page.Total, skip, limit);
}
