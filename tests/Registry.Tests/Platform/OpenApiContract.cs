using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Registry.Tests.Platform;

/// <summary>
/// The served OpenAPI document as a contract to check real answers against: each request is matched to its operation by
/// method and path template, its status must be declared, and a JSON body must validate against the declared schema.
/// The validation is JsonSchema.Net's (draft 2020-12); the document's OpenAPI 3.0 dialect is translated first: `nullable`
/// becomes a null type, component references become `$defs` references.
/// </summary>
public sealed class OpenApiContract
{
    private readonly List<Operation> _operations = [];
    private readonly JsonObject _defs;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();

    private sealed record Operation(string Method, string Template, Regex Path, int Parameters, string Id, JsonObject Responses);

    public OpenApiContract(JsonNode document)
    {
        _defs = (JsonObject)Translate(document["components"]!["schemas"]!)!;
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "$";
            var parameters = template.Count(c => c == '{');
            foreach (var (method, operation) in item!.AsObject())
            {
                _operations.Add(new Operation(method.ToUpperInvariant(), template, new Regex(pattern), parameters,
                    (string)operation!["operationId"]!, operation["responses"]!.AsObject()));
            }
        }
    }

    public IEnumerable<string> OperationIds => _operations.Select(o => o.Id);

    /// <summary>Checks one answer; returns the operation it belongs to and what does not match the document (empty when all does).</summary>
    public (string? OperationId, List<string> Problems) Check(Exchange exchange)
    {
        var problems = new List<string>();
        var name = $"{exchange.Method} {exchange.Path} → {exchange.Status}";
        // A literal segment wins over a template (POST /features/usage is not POST /features/{feature_name}).
        var operation = _operations.Where(o => o.Method == exchange.Method && o.Path.IsMatch(exchange.Path)).MinBy(o => o.Parameters);
        if (operation is null)
        {
            problems.Add($"{name}: no operation in the document");
            return (null, problems);
        }
        var response = operation.Responses[exchange.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] ?? operation.Responses["default"];
        if (response is null)
        {
            problems.Add($"{name}: status not declared by {operation.Id} (declared: {string.Join(", ", operation.Responses.Select(r => r.Key))})");
            return (operation.Id, problems);
        }
        if (exchange.Body.Length == 0 || exchange.MediaType is null) return (operation.Id, problems);
        var content = response["content"]?.AsObject();
        var media = content?[exchange.MediaType];
        if (media is null)
        {
            problems.Add($"{name}: {exchange.MediaType} is not declared (declared: {string.Join(", ", content?.Select(c => c.Key) ?? [])})");
            return (operation.Id, problems);
        }
        if (!exchange.MediaType.Contains("json", StringComparison.Ordinal) || media["schema"] is not { } schema) return (operation.Id, problems);

        var results = Schema(schema).Evaluate(JsonNode.Parse(exchange.Body), new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (!results.IsValid)
        {
            var errors = results.Details.Where(d => d.HasErrors)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"))
                .Take(10);
            problems.Add($"{name}: the body does not match {operation.Id}'s schema: {string.Join("; ", errors)}\n    {Clip(exchange.Body)}");
        }
        return (operation.Id, problems);
    }

    /// <summary>The response schema as a 2020-12 schema of its own, with every component beside it in $defs.</summary>
    private JsonSchema Schema(JsonNode schema)
    {
        var key = schema.ToJsonString();
        return _schemas.GetOrAdd(key, _ =>
        {
            var root = (JsonObject)Translate(schema)!;
            root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
            root["$defs"] = _defs.DeepClone();
            return JsonSchema.FromText(root.ToJsonString());
        });
    }

    /// <summary>OpenAPI 3.0 schema → JSON Schema 2020-12: `nullable: true` admits null, `#/components/schemas/X` is `#/$defs/X`.</summary>
    internal static JsonNode? Translate(JsonNode? node)
    {
        switch (node)
        {
            case JsonArray array:
                return new JsonArray(array.Select(Translate).ToArray());
            case JsonObject obj:
            {
                var copy = new JsonObject();
                var nullable = false;
                foreach (var (key, value) in obj)
                {
                    if (key == "nullable" && value is JsonValue v && v.TryGetValue<bool>(out var b)) { nullable = b; continue; }
                    if (key == "$ref" && value is JsonValue r && r.TryGetValue<string>(out var reference))
                    {
                        copy[key] = reference.Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
                        continue;
                    }
                    copy[key] = Translate(value);
                }
                if (!nullable) return copy;
                if (copy["type"] is JsonValue type && copy["$ref"] is null && copy["allOf"] is null)
                {
                    copy["type"] = new JsonArray((string)type!, "null");
                    if (copy["enum"] is JsonArray values) values.Add(null);
                    return copy;
                }
                return new JsonObject { ["anyOf"] = new JsonArray(copy, new JsonObject { ["type"] = "null" }) };
            }
            default:
                return node?.DeepClone();
        }
    }

    private static string Clip(string body) => body.Length > 600 ? body[..600] + "…" : body;
}

/// <summary>One request and its answer, as a client saw them.</summary>
public sealed record Exchange(string Method, string Path, int Status, string? MediaType, string Body);

/// <summary>Records every API answer that passes through a client (bodies read into memory first).</summary>
public sealed class ExchangeRecorder : DelegatingHandler
{
    public ConcurrentQueue<Exchange> Exchanges { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        if (!path.StartsWith("/api/", StringComparison.Ordinal)) return response;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        // Parquet and other binary bodies are checked by media type only.
        var body = mediaType is not null && (mediaType.Contains("json", StringComparison.Ordinal) || mediaType.StartsWith("text/", StringComparison.Ordinal))
            ? await response.Content.ReadAsStringAsync(cancellationToken)
            : "";
        if (mediaType is not null && body.Length == 0) await response.Content.LoadIntoBufferAsync(cancellationToken);
        Exchanges.Enqueue(new Exchange(request.Method.Method, path, (int)response.StatusCode, mediaType, body));
        return response;
    }
}
