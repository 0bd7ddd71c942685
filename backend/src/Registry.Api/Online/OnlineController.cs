using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Core.Online;

namespace Registry.Api.Online;

/// <summary>Online feature vectors: what a model reads at inference, the same features and contracts it was trained on.</summary>
[Route("api/v1/feature-sets/{feature_set_name}/versions/{version}/online")]
public sealed class OnlineController(OnlineService online) : RegistryControllerBase
{
    /// <summary>Get the latest feature vector of each entity.</summary>
    /// <remarks>
    /// For each `entity_id` (1 to 1000), the latest value of every member of the feature set version, in the contract the
    /// member was pinned to, with its event time and age. If a member's feature has since had a breaking (major) change,
    /// the answer is 409 naming it in `changed_members`: publish a new version of the set and retrain rather than feed
    /// the model values of another contract.
    ///
    /// With `normalize_with={snapshot_id}` (a snapshot of this set version), each numeric value becomes the z-score
    /// `(x − mean) / std` with that snapshot's statistics (a std of 0 counts as 1, as scikit-learn's StandardScaler):
    /// serving applies exactly the training-time transform. `raw_values` keeps the stored values.
    /// </remarks>
    [HttpGet]
    [ProducesResponseType<OnlineVectorsResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ActionResult<OnlineVectorsResponse>> GetOnlineVectors(
        [FromRoute] string featureSetName,
        [FromRoute] string version,
        [FromQuery, Required] string[]? entityId,
        [FromQuery] string? normalizeWith,
        CancellationToken ct) =>
        // Written straight from the rows in the documented shape and streamed (ADR 0052, 0054): it can hold 50,000 values.
        new OnlineVectorsAnswer(await online.GetVectorsAsync(featureSetName, version, entityId ?? [], normalizeWith, ct));
}
