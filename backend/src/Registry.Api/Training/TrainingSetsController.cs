using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Api.Operations;
using Registry.Core.Auth;
using Registry.Core.Common;
using Registry.Core.Training;
using Registry.Core.Values;

namespace Registry.Api.Training;

/// <summary>Point-in-time training sets: each row gets, per feature, only what was knowable at its instant.</summary>
/// <remarks>Building a training set changes nothing (the POST carries the request), so a read key may.</remarks>
[Route("api/v1/training-sets")]
[ValuesOwnerOnly]
[RequiresScope(ApiKeyScope.Read)]
public sealed class TrainingSetsController(TrainingService training, IMapper mapper) : RegistryControllerBase
{
    /// <summary>Build a training set from listed rows or a range.</summary>
    /// <remarks>
    /// The columns are the listed `features` (`name@version`; a bare name is the current version) or the members of a
    /// `feature_set` version (default: its current version), in the set's order.
    /// Each row (`entity_id`, `ts`) gets, for each feature, the value with the greatest event time ≤ `ts` (never a
    /// later one: no leakage) in the contract of the pinned version, null when none exists or it is older than that
    /// feature's `max_staleness`. With `as_of`, only values ingested by then count, which reproduces an old backtest
    /// exactly. Rows come back in the order given, streamed as JSON, CSV or Parquet (`format`).
    /// </remarks>
    [HttpPost]
    [Consumes("application/json")]
    [RequestExample(TrainingExamples.Rows, "rows", "Label listed rows")]
    [RequestExample(TrainingExamples.FeatureSet, "feature_set", "The members of a feature set version")]
    [RequestExample(TrainingExamples.Range, "range", "Every day for two instruments")]
    [Produces("application/json", "text/csv", FileBodies.Parquet)]
    [ProducesResponseType<TrainingSetResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<IActionResult> CreateTrainingSet([FromBody] TrainingSetRequest request,
        [FromQuery] ValueFormat format = ValueFormat.Json, CancellationToken ct = default)
    {
        var (plan, labels) = await training.PlanAsync(request, upload: false, ct);
        return await AnswerAsync(plan, labels!, format, ct);
    }

    /// <summary>Build a training set for the rows of an uploaded CSV or Parquet file.</summary>
    /// <remarks>The file has the columns `entity_id` and `ts`. Features are query parameters
    /// (`features=stock_rsi_14d@1.0.0&amp;features=stock_daily_close`, or `feature_set=tech_v1&amp;feature_set_version=1.0.0`),
    /// staleness limits as `max_staleness=stock_rsi_14d:P3D`. Same semantics as the JSON form.</remarks>
    [HttpPost("upload")]
    [Consumes("text/csv", FileBodies.Parquet)]
    [Produces("application/json", "text/csv", FileBodies.Parquet)]
    [ProducesResponseType<TrainingSetResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    [BulkRequestBody]
    [StreamedRequestBody(null, null, TrainingExamples.LabelsCsv, "CSV (header entity_id,ts) or Parquet (columns entity_id, ts).")]
    public async Task<IActionResult> UploadTrainingLabels(
        [FromQuery] string[]? features,
        [FromQuery] string? featureSet,
        [FromQuery] string? featureSetVersion,
        [FromQuery] string[]? maxStaleness,
        [FromQuery] DateTimeOffset? asOf,
        [FromQuery] ValueFormat format = ValueFormat.Json,
        CancellationToken ct = default)
    {
        var staleness = new Dictionary<string, string>();
        foreach (var item in maxStaleness ?? [])
        {
            var colon = item.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw InvalidInputException.For("max_staleness", "Each max_staleness is feature_name:duration, e.g. stock_rsi_14d:P3D.");
            staleness[item[..colon]] = item[(colon + 1)..];
        }
        var request = new TrainingSetRequest
        {
            Features = features is { Length: > 0 } ? features.ToList() : null,
            FeatureSet = featureSet,
            FeatureSetVersion = featureSetVersion,
            MaxStaleness = staleness,
            AsOf = asOf,
        };
        var (plan, _) = await training.PlanAsync(request, upload: true, ct);
        return await AnswerAsync(plan, new LabelSource.Upload(FileBodies.FormatOf(Request), Request.Body), format, ct);
    }

    private async Task<IActionResult> AnswerAsync(TrainingSetPlan plan, LabelSource labels, ValueFormat format, CancellationToken ct)
    {
        if (format == ValueFormat.Json) return Ok(new TrainingSetResponse(plan.FeatureSet, plan.FeatureSetVersion, mapper.Map<List<TrainingFeatureResponse>>(plan.Features),
            plan.AsOf, TrainingRows.Of(plan, training.BuildAsync(plan, labels, ct))));
        FileBodies.Attach(Response, format, "training-set");
        await training.ExportAsync(plan, labels, format, Response.Body, ct);
        return new EmptyResult();
    }
}
