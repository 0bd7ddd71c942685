using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;
using Registry.Api.Features;
using Registry.Api.Versions;
using Registry.Core.Common;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.Infrastructure;

// Rules that hold for every operation, applied to the whole document so that new endpoints follow them
// without per-action attributes (tools/redocly/redocly.yaml lints the result in CI).

/// <summary>
/// Error responses as they are sent: RFC 9457 `application/problem+json` (a [Produces] attribute would otherwise
/// label them `application/json`), described and with an example; and the ones every operation can answer
/// (400, 500, and 503 while PostgreSQL is unreachable; 404 where the path names a resource; 413 and 415 where there is
/// a body), declared once here rather than on each controller.
/// </summary>
internal sealed class ProblemResponsesFilter : IOperationFilter
{
    private const string ProblemJson = "application/problem+json";

    private static readonly Dictionary<int, string> Descriptions = new()
    {
        [400] = "Malformed or invalid input. `errors` maps each invalid field (snake_case, or `body`) to its messages.",
        [404] = "Not found: `detail` names what is missing.",
        [409] = "Conflicts with the current state (e.g. a name already used, a lifecycle transition, active dependents): `detail` says which.",
        [412] = "`If-Match` no longer matches: the resource changed since it was read. Read it again, then retry.",
        [413] = "The body is larger than the limit (`Limits:MaxBodyBytes`, 30 MB by default; bulk value and label uploads `Limits:MaxIngestBodyBytes`, 4 GiB): `max_body_bytes` gives it.",
        [415] = "The body's Content-Type is not one the operation reads: `detail` and `accepted_media_types` list those it does.",
        [422] = "Well-formed, but breaks a rule (e.g. an unknown upstream feature, a cycle, a version not greater than the others).",
        [500] = "Unexpected error. It was logged; quote the `trace_id` when reporting it. Never carries a stack trace.",
        [503] = "The registry database is briefly unavailable. Retry after `Retry-After` seconds.",
    };

    /// <summary>RFC 9110 sections, as ASP.NET Core sets `type` for these statuses.</summary>
    private static readonly Dictionary<int, string> Sections = new()
    {
        [400] = "15.5.1", [401] = "15.5.2", [403] = "15.5.4", [404] = "15.5.5", [409] = "15.5.10", [412] = "15.5.13", [413] = "15.5.14", [415] = "15.5.16", [422] = "15.5.21", [500] = "15.6.1", [503] = "15.6.4",
    };

    /// <summary>Typical titles and details, as the services and the exception handler write them.</summary>
    private static readonly Dictionary<int, (string Title, string Detail)> Texts = new()
    {
        [400] = ("One or more fields are invalid.", "See 'errors' for each invalid field."),
        [401] = ("An API key is required.", "Send an API key as 'X-API-Key: frk_…' or 'Authorization: Bearer frk_…'."),
        [403] = ("The API key lacks a scope.", "This operation needs the 'write' scope; API key 3f9a0c2b7d4e1a65 has read."),
        [404] = ("Not found.", "Feature 'stock_rsi_14d' does not exist."),
        [409] = ("The feature is archived.", "'stock_rsi_14d' is archived; an archived feature cannot be changed."),
        [412] = ("The resource has changed.", "'stock_rsi_14d' is at revision 4, not 3; fetch it again and retry."),
        [413] = ("The request body is too large.", "The request body is larger than 30000000 bytes, the limit set by Limits:MaxBodyBytes."),
        [415] = ("Unsupported Media Type", "The body's Content-Type is 'text/plain'; this operation reads application/json. Send the body with one of them."),
        [422] = ("Already the current version.", "1.0.0 is already the current version of 'stock_rsi_14d'."),
        [429] = ("Too many requests.", "This API key may make 1000 requests per second (bursts of 2000); retry after 1 s."),
        [500] = ("An unexpected error occurred.", "The error was logged; quote the trace_id when reporting it."),
        [503] = ("The registry database is unavailable.", "Retry shortly."),
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        operation.Responses ??= [];
        Declare(operation, context, StatusCodes.Status400BadRequest, typeof(ValidationProblemDetails));
        Declare(operation, context, StatusCodes.Status500InternalServerError, typeof(ProblemDetails));
        Declare(operation, context, StatusCodes.Status503ServiceUnavailable, typeof(ProblemDetails));
        // A resource named in the path may not exist.
        if (context.ApiDescription.ParameterDescriptions.Any(p => p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Path))
            Declare(operation, context, StatusCodes.Status404NotFound, typeof(ProblemDetails));
        if (operation.RequestBody is not null)
        {
            Declare(operation, context, StatusCodes.Status413PayloadTooLarge, typeof(ProblemDetails));
            Declare(operation, context, StatusCodes.Status415UnsupportedMediaType, typeof(ProblemDetails));
        }

        foreach (var (key, value) in operation.Responses)
        {
            if (!int.TryParse(key, out var status) || status < 400 || value is not OpenApiResponse response) continue;
            if (response.Content?.Values.FirstOrDefault(m => m.Schema is not null)?.Schema is { } schema)
            {
                response.Content = new Dictionary<string, IOpenApiMediaType>
                {
                    [ProblemJson] = new OpenApiMediaType { Schema = schema, Example = Example(status) },
                };
            }
            // Only a bare reason phrase is replaced; an action's own <response> text is kept.
            if (string.IsNullOrEmpty(response.Description) || response.Description == Phrase(status) || response.Description == ReasonPhrases.GetReasonPhrase(status))
                response.Description = Descriptions.TryGetValue(status, out var text) ? $"{Phrase(status)}. {text}" : Phrase(status);
            if (status == 503)
            {
                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                response.Headers.TryAdd("Retry-After", new OpenApiHeader
                {
                    Description = "Seconds to wait before retrying.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                    Example = 5,
                });
            }
        }

        // Status order (2xx first), whichever attribute or filter declared a response.
        var sorted = operation.Responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        operation.Responses.Clear();
        foreach (var (key, value) in sorted) operation.Responses[key] = value;
    }

    /// <summary>Every operation can answer these: invalid input, an unexpected error, PostgreSQL briefly unreachable.</summary>
    private static void Declare(OpenApiOperation operation, OperationFilterContext context, int status, Type problem)
    {
        operation.Responses!.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), new OpenApiResponse
        {
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                [ProblemJson] = new OpenApiMediaType { Schema = context.SchemaGenerator.GenerateSchema(problem, context.SchemaRepository) },
            },
        });
    }

    /// <summary>RFC 9110's names, as Swashbuckle writes them (ASP.NET Core keeps the older ones for 413 and 422).</summary>
    private static string Phrase(int status) => status switch
    {
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        _ => ReasonPhrases.GetReasonPhrase(status),
    };

    /// <summary>The shape the exception handler writes; the values are illustrative.</summary>
    private static JsonObject Example(int status)
    {
        var (title, detail) = Texts.GetValueOrDefault(status, (Phrase(status) + ".", ""));
        var problem = new JsonObject();
        if (Sections.TryGetValue(status, out var section)) problem["type"] = $"https://tools.ietf.org/html/rfc9110#section-{section}";
        problem["title"] = title;
        problem["status"] = status;
        if (detail.Length > 0) problem["detail"] = detail;
        problem["instance"] = "/api/v1/features/stock_rsi_14d";
        if (status == 400)
            problem["errors"] = new JsonObject { ["feature_name"] = new JsonArray($"feature_name must be {Identifiers.FeatureNameRule}.") };
        problem["trace_id"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        return problem;
    }
}

/// <summary>
/// Optimistic concurrency, declared where it applies: an operation that can answer 412 honours `If-Match`,
/// and a response carrying a feature definition (or an action marked [SendsETag]) sends an `ETag`.
/// </summary>
internal sealed class ConditionalRequestsFilter : IOperationFilter
{
    private static readonly HashSet<Type> DefinitionResponses = [typeof(FeatureResponse), typeof(PublishedVersionResponse)];

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.Responses?.ContainsKey("412") == true && operation.Parameters?.Any(p => p.In == ParameterLocation.Header && p.Name == "If-Match") != true)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-Match",
                In = ParameterLocation.Header,
                Description = "The `ETag` of the resource as you read it (a feature's or an API key's revision, e.g. \"3\"; a feature set's current version, e.g. \"1.2.0\"). The change is refused with 412 if it changed since; without it, the change applies to the current state.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        var marked = context.MethodInfo.GetCustomAttributes(typeof(SendsETagAttribute), false).OfType<SendsETagAttribute>().FirstOrDefault();
        var oneOf = context.MethodInfo.GetCustomAttributes(typeof(ProducesOneOfAttribute), false).OfType<ProducesOneOfAttribute>()
            .SelectMany(a => a.Types.Select(t => (StatusCode: a.Status, Type: (Type?)t)));
        foreach (var type in context.ApiDescription.SupportedResponseTypes.Select(t => (t.StatusCode, t.Type)).Concat(oneOf))
        {
            if (type.StatusCode is < 200 or >= 300 || type.Type is null || (marked is null && !DefinitionResponses.Contains(type.Type))) continue;
            if (operation.Responses?.GetValueOrDefault(type.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)) is not OpenApiResponse response) continue;
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers.TryAdd("ETag", new OpenApiHeader
            {
                Description = marked?.Description ?? "The feature's revision, a strong tag (e.g. \"3\"). Send it back in `If-Match` to change the feature only if nobody else did.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
    }
}

/// <summary>
/// Parameters that mean the same on every operation are described once, here; every path parameter has an example
/// (tools such as Dredd need one to call the operation).
/// </summary>
internal sealed class SharedParametersFilter : IOperationFilter
{
    internal static readonly Dictionary<string, string> PathExamples = new()
    {
        ["feature_name"] = "stock_rsi_14d",
        ["feature_set_name"] = "tech_v1",
        ["version"] = "1.0.0",
        ["from"] = "1.0.0",
        ["to"] = "1.1.0",
        ["key_id"] = "3f9a0c2b7d4e1a65",
        ["snapshot_id"] = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    };

    private static readonly Dictionary<(ParameterLocation, string), string> Descriptions = new()
    {
        [(ParameterLocation.Path, "feature_name")] = $"The feature's name: {Identifiers.FeatureNameRule}.",
        [(ParameterLocation.Path, "feature_set_name")] = $"The feature set's name: {Identifiers.FeatureNameRule}.",
        [(ParameterLocation.Path, "key_id")] = "The API key's public id: the 16 hex digits after `frk_` in the key.",
        [(ParameterLocation.Path, "snapshot_id")] = "The snapshot's id, a UUID.",
        [(ParameterLocation.Query, "skip")] = "How many items to skip (paging), 0 or more.",
        [(ParameterLocation.Query, "limit")] = "How many items to return at most (paging), 1 to 500.",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (string.IsNullOrEmpty(parameter.Description) && parameter.In is { } location && parameter.Name is { } name
                && Descriptions.TryGetValue((location, name), out var description))
            {
                parameter.Description = description;
            }
            if (parameter.In == ParameterLocation.Path && parameter.Example is null && parameter.Name is { } path
                && PathExamples.TryGetValue(path, out var example))
            {
                parameter.Example = example;
            }
        }
    }
}

/// <summary>
/// XML comments that wrap keep the source's indentation on their continuation lines; Markdown renderers may
/// take that for a code block, so the common indentation is removed.
/// </summary>
internal sealed class XmlTextFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        operation.Summary = Dedent(operation.Summary);
        operation.Description = Dedent(operation.Description);
    }

    internal static string? Dedent(string? text)
    {
        if (text is null || !text.Contains('\n', StringComparison.Ordinal)) return text;
        var lines = text.Split('\n');
        var indent = lines.Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', lines.Select((l, i) => i == 0 || l.Length < indent ? l.TrimEnd() : l[indent..].TrimEnd()));
    }
}

/// <summary>Every problem document carries `trace_id` (ProblemDetailsExceptionHandler.Customize): declare it.</summary>
internal sealed class ProblemSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (!typeof(ProblemDetails).IsAssignableFrom(context.Type) || schema is not OpenApiSchema problem) return;
        problem.Description ??= "An RFC 9457 problem document.";
        problem.Properties ??= new Dictionary<string, IOpenApiSchema>();
        problem.Properties.TryAdd("trace_id", new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "The request's trace id, also in the server log: quote it when reporting an error.",
        });
    }
}

/// <summary>The action answers with an `ETag` (described here) for a resource other than a feature definition.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SendsETagAttribute(string description) : Attribute
{
    public string Description { get; } = description;
}

/// <summary>
/// Every response property is always present (null when it has no value: the JSON options never omit one), so response
/// schemas list them all as `required`, which client generators and validators rely on. Schemas reachable from a
/// request body are left alone (their fields are optional unless [Required]), and so are problem documents, whose
/// members ASP.NET Core omits when null.
/// </summary>
internal sealed class RequiredResponsePropertiesFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        if (document.Components?.Schemas is not { } schemas) return;
        var requestSide = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []))
        {
            foreach (var media in operation.RequestBody?.Content?.Values ?? [])
                Reach(media.Schema, schemas, requestSide);
        }
        foreach (var (name, schema) in schemas)
        {
            if (requestSide.Contains(name) || schema is not OpenApiSchema { Properties.Count: > 0 } objectSchema) continue;
            if (name.Contains("ProblemDetails", StringComparison.Ordinal)) continue;
            objectSchema.Required = new HashSet<string>(objectSchema.Properties.Keys);
        }
    }

    private static void Reach(IOpenApiSchema? schema, IDictionary<string, IOpenApiSchema> schemas, HashSet<string> seen)
    {
        if (schema is null) return;
        if (schema is OpenApiSchemaReference reference)
        {
            if (reference.Reference.Id is not { } id || !seen.Add(id) || !schemas.TryGetValue(id, out var target)) return;
            Reach(target, schemas, seen);
            return;
        }
        foreach (var child in (schema.Properties?.Values ?? []).Concat(schema.AllOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.OneOf ?? []))
            Reach(child, schemas, seen);
        Reach(schema.Items, schemas, seen);
        Reach(schema.AdditionalProperties, schemas, seen);
    }
}

/// <summary>
/// The action answers <paramref name="status"/> with one of several bodies (e.g. a deprecation, or with dry_run its
/// impact analysis): declared as `oneOf` them, which [ProducesResponseType] cannot say.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ProducesOneOfAttribute(int status, params Type[] types) : Attribute
{
    public int Status { get; } = status;
    public IReadOnlyList<Type> Types { get; } = types;
}

internal sealed class OneOfResponsesFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.MethodInfo.GetCustomAttributes(typeof(ProducesOneOfAttribute), false).OfType<ProducesOneOfAttribute>().FirstOrDefault() is not { } oneOf) return;
        operation.Responses ??= [];
        var key = oneOf.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses.GetValueOrDefault(key) is not OpenApiResponse response)
            operation.Responses[key] = response = new OpenApiResponse { Description = ReasonPhrases.GetReasonPhrase(oneOf.Status) };
        var schema = new OpenApiSchema { OneOf = oneOf.Types.Select(t => context.SchemaGenerator.GenerateSchema(t, context.SchemaRepository)).ToList() };
        response.Content = new Dictionary<string, IOpenApiMediaType> { ["application/json"] = new OpenApiMediaType { Schema = schema } };
    }
}

/// <summary>
/// References wrapped in a one-schema `allOf` (UseAllOfToExtendReferenceSchemas) are unwrapped unless they are nullable;
/// a nullable one states its `type` beside `nullable`, as OpenAPI 3.0 requires (a raw feature's transformation:
/// `type: object, nullable: true, allOf: [$ref]`), so that validators and linters read it the same way.
/// </summary>
internal sealed class ReferenceWrapperFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        if (document.Components?.Schemas is not { } schemas) return;
        foreach (var schema in schemas.Values.OfType<OpenApiSchema>())
        {
            if (schema.Properties is not { Count: > 0 } properties) continue;
            foreach (var (name, property) in properties.ToList())
            {
                if (property is not OpenApiSchema { AllOf.Count: 1 } wrapper || wrapper.AllOf[0] is not OpenApiSchemaReference reference) continue;
                var nullable = wrapper.Type is { } type && type.HasFlag(JsonSchemaType.Null);
                if (!nullable)
                {
                    properties[name] = reference;
                    continue;
                }
                var target = reference.Reference.Id is { } id && schemas.TryGetValue(id, out var found) ? found.Type : null;
                wrapper.Type = (target ?? JsonSchemaType.Object) | JsonSchemaType.Null;
            }
        }
    }
}
