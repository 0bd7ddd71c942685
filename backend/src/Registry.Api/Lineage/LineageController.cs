using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Core.Lineage;

namespace Registry.Api.Lineage;

/// <summary>Lineage and impact: who depends on a feature, before it changes.</summary>
[Route("api/v1/features/{feature_name}")]
public sealed class LineageController(LineageService lineage, IMapper mapper) : RegistryControllerBase
{
    /// <summary>Upstream and downstream lineage, direct or recursive; as JSON, Mermaid or Graphviz DOT.</summary>
    /// <remarks>Without recursive=true, direct neighbours only. Each node appears once, at its shortest depth.
    /// Downstream is derived from the upstream lists, never stored, so it cannot drift. `edges` go from upstream to downstream.
    /// `feature_sets` lists every feature-set version that has this feature among its members, with the version it pins.
    /// With `format=mermaid` (text/plain) or `format=dot` (text/vnd.graphviz) the same graph comes as text for docs and IDE
    /// previews: left to right, the feature asked about included and highlighted, nodes classed by status, every label escaped.</remarks>
    /// <param name="featureName">The feature whose lineage is walked.</param>
    /// <param name="recursive">Walk the whole graph (up to `depth`) instead of direct neighbours only.</param>
    /// <param name="direction">`upstream`, `downstream` or `both` (default).</param>
    /// <param name="depth">How many levels a recursive walk goes, 1 to 100 (default 10).</param>
    /// <param name="format">`json` (default), `mermaid` (a Mermaid flowchart) or `dot` (a Graphviz digraph).</param>
    /// <param name="ct">Cancelled when the client goes away.</param>
    [HttpGet("lineage")]
    [ProducesResponseType<LineageResponse>(StatusCodes.Status200OK, "application/json")]
    [TextResponse(LineageText.MermaidMediaType, "A Mermaid flowchart (`format=mermaid`).", LineageExamples.Mermaid)]
    [TextResponse(LineageText.DotMediaType, "A Graphviz digraph (`format=dot`).", LineageExamples.Dot)]
    public async Task<IActionResult> GetLineage(
        [FromRoute] string featureName,
        [FromQuery] bool recursive = false,
        [FromQuery] LineageDirection direction = LineageDirection.Both,
        [FromQuery] int? depth = null,
        [FromQuery] LineageFormat format = LineageFormat.Json,
        CancellationToken ct = default)
    {
        var result = await lineage.GetLineageAsync(featureName, recursive, direction, depth, ct);
        return format switch
        {
            LineageFormat.Mermaid => Content(LineageText.Mermaid(result), LineageText.MermaidMediaType + "; charset=utf-8"),
            LineageFormat.Dot => Content(LineageText.Dot(result), LineageText.DotMediaType + "; charset=utf-8"),
            _ => Ok(mapper.Map<LineageResponse>(result)),
        };
    }

    /// <summary>Impact analysis: every downstream feature, and every model and feature set that used this feature or any of them.</summary>
    /// <remarks>`feature_sets` lists every feature-set version (current or not) that includes the feature or one of its
    /// downstream features; `feature_name` says which member it is.</remarks>
    [HttpGet("impact")]
    [ProducesResponseType<ImpactResponse>(StatusCodes.Status200OK)]
    public async Task<ImpactResponse> GetImpact([FromRoute] string featureName, CancellationToken ct) =>
        mapper.Map<ImpactResponse>(await lineage.GetImpactAsync(featureName, ct));
}
