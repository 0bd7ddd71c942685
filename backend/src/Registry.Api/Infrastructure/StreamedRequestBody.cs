using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Declares the body of an action that streams Request.Body itself (no [FromBody], so nothing is buffered):
/// the JSON schema and examples (when JSON is accepted), plus a CSV example, for the OpenAPI document and Swagger UI.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StreamedRequestBodyAttribute(Type? jsonSchema, string? jsonExample, string csvExample,
    string description = "JSON, CSV (header entity_id,event_ts,value) or Parquet (columns entity_id, event_ts, value).") : Attribute
{
    public Type? JsonSchema { get; } = jsonSchema;
    public string? JsonExample { get; } = jsonExample;
    public string CsvExample { get; } = csvExample;
    public string Description { get; } = description;
}

internal sealed class StreamedRequestBodyFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.MethodInfo.GetCustomAttribute<StreamedRequestBodyAttribute>() is not { } body) return;
        var content = new Dictionary<string, IOpenApiMediaType>();
        if (body.JsonSchema is not null)
        {
            content["application/json"] = new OpenApiMediaType
            {
                Schema = context.SchemaGenerator.GenerateSchema(body.JsonSchema, context.SchemaRepository),
                Example = body.JsonExample is null ? null : JsonNode.Parse(body.JsonExample),
            };
        }
        content["text/csv"] = new OpenApiMediaType
        {
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            Example = JsonValue.Create(body.CsvExample),
        };
        content[FileBodies.Parquet] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
        operation.RequestBody = new OpenApiRequestBody { Required = true, Description = body.Description, Content = content };
    }
}
