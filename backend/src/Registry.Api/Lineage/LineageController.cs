using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Core.Lineage;

namespace Registry.Api.Lineage;

/// <summary>Lineage and impact: who depends on a feature, before it changes.</summary>
[Route("api/v1/features/{feature_name}")]
public sealed class LineageController(LineageService lineage, IMapper mapper) : RegistryControllerBase
{
    /// <summary>Upstream and downstream lineage, direct or recursive.</summary>
    /// <remarks>Without recursive=true, direct neighbours only. Each node appears once, at its shortest depth.
    /// Downstream is derived from the upstream lists, never stored, so it cannot drift. `edges` go from upstream to downstream.
    /// `feature_sets` lists every feature-set version that has this feature among its members, with the version it pins.</remarks>
    [HttpGet("lineage")]
    [ProducesResponseType<LineageResponse>(StatusCodes.Status200OK)]
    public async Task<LineageResponse> GetLineage(
        [FromRoute] string featureName,
        [FromQuery] bool recursive = false,
        [FromQuery] LineageDirection direction = LineageDirection.Both,
        [FromQuery] int? depth = null,
        CancellationToken ct = default) =>
        mapper.Map<LineageResponse>(await lineage.GetLineageAsync(featureName, recursive, direction, depth, ct));

    /// <summary>Impact analysis: every downstream feature, and every model and feature set that used this feature or any of them.</summary>
    /// <remarks>`feature_sets` lists every feature-set version (current or not) that includes the feature or one of its
    /// downstream features; `feature_name` says which member it is.</remarks>
    [HttpGet("impact")]
    [ProducesResponseType<ImpactResponse>(StatusCodes.Status200OK)]
    public async Task<ImpactResponse> GetImpact([FromRoute] string featureName, CancellationToken ct) =>
        mapper.Map<ImpactResponse>(await lineage.GetImpactAsync(featureName, ct));
}
