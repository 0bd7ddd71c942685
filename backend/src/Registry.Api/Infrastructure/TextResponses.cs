using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.Infrastructure;

/// <summary>
/// The action can also answer 200 with a text body of this media type (chosen by a query parameter, not by Accept).
/// Declared per media type, with a string schema and an example, because [Produces] would give every media type the
/// JSON answer's schema.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class TextResponseAttribute(string mediaType, string description, string example) : Attribute
{
    public string MediaType { get; } = mediaType;
    public string Description { get; } = description;
    public string Example { get; } = example;
}

internal sealed class TextResponsesFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var texts = context.MethodInfo.GetCustomAttributes<TextResponseAttribute>().ToList();
        if (texts.Count == 0 || operation.Responses?.GetValueOrDefault("200") is not OpenApiResponse ok) return;
        ok.Content ??= new Dictionary<string, IOpenApiMediaType>();
        foreach (var text in texts)
        {
            ok.Content[text.MediaType] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = text.Description },
                Example = JsonValue.Create(text.Example),
            };
        }
    }
}
