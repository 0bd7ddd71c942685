using System.ComponentModel.DataAnnotations;
using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Api.Operations;
using Registry.Core.Auth;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Values;

namespace Registry.Api.Values;

/// <summary>Materialized feature values in DuckDB: ingest, reads, latest values, statistics, validation and SQL features.</summary>
[Route("api/v1/features/{feature_name}")]
public sealed class ValuesController(ValueService values, TimeProvider clock, IMapper mapper) : RegistryControllerBase
{
    /// <summary>Ingest values: JSON, CSV or Parquet, streamed.</summary>
    /// <remarks>
    /// A batch of `entity_id`, `event_ts`, `value` rows, as JSON (`{"feature_version", "rows": […]}`), CSV with a header
    /// line, or Parquet (`application/vnd.apache.parquet`). Rows are stamped with `feature_version` (default: the current
    /// version) and the ingest instant. The whole batch is written in one transaction, or nothing is:
    /// a value of the wrong type is a 400 naming the row; under the `strict` policy a failing blocking rule is a 422
    /// with the failing rules and sample rows. Posting the same batch again writes nothing (`rows_unchanged`); a new
    /// value for an (entity, event time) supersedes the old one for later reads, while `as_of` reads still see the old one.
    /// With `If-Match` (the feature's ETag) the batch is refused (412) if the definition changed since it was read.
    /// </remarks>
    /// <param name="featureName">The feature.</param>
    /// <param name="featureVersion">The version that produced the values (default: the current version).</param>
    /// <param name="validationPolicy">Overrides the feature's policy for this batch: strict or permissive.</param>
    /// <param name="ct">Cancelled when the client goes away.</param>
    [HttpPost("values")]
    [ValuesOwnerOnly]
    [Consumes("application/json", "text/csv", FileBodies.Parquet)]
    [BulkRequestBody]
    [StreamedRequestBody(typeof(IngestJsonBody), ValueExamples.Json, ValueExamples.Csv)]
    [ProducesResponseType<IngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<IngestResponse> IngestValues(
        [FromRoute] string featureName,
        [FromQuery] string? featureVersion,
        [FromQuery] ValidationPolicy? validationPolicy,
        CancellationToken ct)
    {
        var result = await values.IngestAsync(featureName, FileBodies.FormatOf(Request), Request.Body,
            new IngestOptions(featureVersion, validationPolicy, Request.IfMatchRevision()), ct);
        return mapper.Map<IngestResponse>(result);
    }

    /// <summary>Read values over a time range, as JSON, CSV or Parquet.</summary>
    /// <remarks>
    /// For each (entity, event time) the value ingested last, or the last one ingested by `as_of` (what was known
    /// then). Only values of one contract are returned: those produced under the major version of `version`
    /// (default: the current version), so values from before and after a breaking change never mix.
    /// Ordered by entity, then event time; `from` is inclusive, `to` exclusive; `limit` is 1 to 1,000,000 (default 1000).
    /// </remarks>
    [HttpGet("values")]
    [ValuesOwnerOnly]
    [Produces("application/json", "text/csv", FileBodies.Parquet)]
    [ProducesResponseType<ValuesResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<IActionResult> ReadValues(
        [FromRoute] string featureName,
        [FromQuery] string[]? entityId,
        [FromQuery] DateTimeOffset? from,
        [FromQuery] DateTimeOffset? to,
        [FromQuery] DateTimeOffset? asOf,
        [FromQuery] string? version,
        [FromQuery] int? limit,
        [FromQuery] ValueFormat format = ValueFormat.Json,
        CancellationToken ct = default)
    {
        var (scope, query) = await values.PrepareReadAsync(featureName,
            new ReadOptions(entityId ?? [], from, to, asOf, version, limit), ct);
        if (format == ValueFormat.Json)
        {
            var toWire = mapper.Config.GetMapFunction<ValueRow, ValueRowResponse>(); // looked up once, not per row
            return Ok(new ValuesResponse(scope.FeatureName, scope.FeatureVersion, scope.ContractMajor, values.ReadAsync(scope, query, ct).Select(toWire)));
        }
        FileBodies.Attach(Response, format, featureName);
        await values.ExportAsync(scope, query, format, Response.Body, ct);
        return new EmptyResult();
    }

    /// <summary>The latest value per entity: what online inference reads.</summary>
    /// <remarks>For each `entity_id` (1 to 1000), the value with the greatest event time in the contract of `version`
    /// (default: the current version), with its age. Entities without values are listed in `missing_entities`.</remarks>
    [HttpGet("values/latest")]
    [ProducesResponseType<LatestValuesResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<LatestValuesResponse> GetLatestValues(
        [FromRoute] string featureName,
        [FromQuery, Required] string[]? entityId,
        [FromQuery] string? version,
        CancellationToken ct)
    {
        var asked = entityId ?? [];
        var (scope, rows) = await values.LatestAsync(featureName, asked, version, ct);
        return LatestValues.Response(scope, rows, asked, clock.Now());
    }

    /// <summary>Statistics of the values in a time range.</summary>
    /// <remarks>Rows, entities, null rate, and for numeric features min, max, mean and sample standard deviation, with the
    /// first and last event time. Computed over the values a read would return.</remarks>
    [HttpGet("values/stats")]
    [ValuesOwnerOnly]
    [ProducesResponseType<ValueStatsResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<ValueStatsResponse> GetValueStats(
        [FromRoute] string featureName,
        [FromQuery] DateTimeOffset? from,
        [FromQuery] DateTimeOffset? to,
        [FromQuery] string? version,
        CancellationToken ct) =>
        mapper.Map<ValueStatsResponse>(await values.StatsAsync(featureName, from, to, version, ct));

    /// <summary>Run every validation rule over the stored values, with quality flags.</summary>
    /// <remarks>
    /// The current version's rules over the values in [`from`, `to`): `is_valid` (no blocking rule failed), the passed and
    /// failed rules with counts and sample rows, and the quality flags that apply: `no_data`, `missing_data` (nulls),
    /// `insufficient_history` (entities with fewer than `min_history` values, default 20), `outliers` (|z| above the outlier
    /// rule's threshold, default 3) and `stale_data` (newest value older than `max_staleness`, an ISO 8601 duration, default P3D).
    /// Nothing is changed, so a read key may run it.
    /// </remarks>
    [HttpPost("validate")]
    [ValuesOwnerOnly]
    [RequiresScope(ApiKeyScope.Read)]
    [ProducesResponseType<ValidationReport>(StatusCodes.Status200OK)]
    public async Task<ValidationReport> ValidateValues(
        [FromRoute] string featureName,
        [FromQuery] DateTimeOffset? from,
        [FromQuery] DateTimeOffset? to,
        [FromQuery] int? minHistory,
        [FromQuery] string? maxStaleness,
        CancellationToken ct) =>
        await values.ValidateAsync(featureName, from, to, minHistory, maxStaleness, ct);

    /// <summary>Compute a SQL feature's values from its upstream features.</summary>
    /// <remarks>
    /// Runs the feature's `sql` transformation in DuckDB, where each upstream feature is a relation named after it
    /// (`SELECT entity_id, event_ts, avg(value) OVER (…) AS value FROM stock_daily_close`) holding its current values.
    /// The result (rows with event time in [`from`, `to`)) goes through the same rules and policy as an ingest and is
    /// stamped with the current version. SQL that reads a feature not declared in `upstream_features`, a table function
    /// or a schema-qualified table is refused (422), so lineage stays true. With `If-Match` (the feature's ETag) it runs only
    /// if the definition is still the one read (else 412).
    /// </remarks>
    [HttpPost("materialize")]
    [ValuesOwnerOnly]
    [ProducesResponseType<IngestResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<IngestResponse> MaterializeValues(
        [FromRoute] string featureName,
        [FromQuery] DateTimeOffset? from,
        [FromQuery] DateTimeOffset? to,
        [FromQuery] ValidationPolicy? validationPolicy,
        CancellationToken ct) =>
        mapper.Map<IngestResponse>(await values.MaterializeAsync(featureName, from, to, validationPolicy, Request.IfMatchRevision(), ct));

    /// <summary>Expose a SQL feature as its DuckDB view.</summary>
    /// <remarks>Creates or replaces `duckdb_view` (default `{schema}.{table}_view`): the feature's SQL over its upstream
    /// features' current values, computed whenever the view is queried. Same SQL checks as materialize. With `If-Match` (the
    /// feature's ETag) the view is built only from the definition that was read (else 412).</remarks>
    [HttpPut("view")]
    [ValuesOwnerOnly]
    [ProducesResponseType<FeatureViewResult>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public async Task<FeatureViewResult> ExposeView([FromRoute] string featureName, CancellationToken ct) =>
        await values.ExposeViewAsync(featureName, Request.IfMatchRevision(), ct);
}

/// <summary>The JSON form of an ingest body (CSV and Parquet carry the same three columns).</summary>
public sealed record IngestJsonBody(string? FeatureVersion, IReadOnlyList<IngestJsonRow> Rows);

/// <summary>One row: `value` is a number, string, boolean or ISO 8601 instant, by the feature's data type, or null.</summary>
public sealed record IngestJsonRow(string EntityId, DateTimeOffset EventTs, object? Value);
