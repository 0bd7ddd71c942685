using Microsoft.OpenApi;
using Registry.Core.Auth;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.Infrastructure;

/// <summary>
/// The API key in the OpenAPI document: two security schemes (the `X-API-Key` header, or HTTP bearer), and on every
/// operation that needs a key its requirement (either scheme), the scope it needs (`x-required-scope`), and its 401,
/// 403 and 429 answers. Swagger UI's Authorize button comes from the schemes.
/// </summary>
internal sealed class ApiKeySecurityFilter : IOperationFilter
{
    public const string HeaderScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    public static void AddSchemes(SwaggerGenOptions options)
    {
        options.AddSecurityDefinition(HeaderScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "An API key, `frk_<id>_<secret>` (in Development, the key printed at start-up).",
        });
        options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The same API key as a bearer credential: `Authorization: Bearer frk_…`.",
        });
        options.OperationFilter<ApiKeySecurityFilter>();
    }

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ScopeAuthorizeAttribute>().LastOrDefault() is not { } required) return;

        operation.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(HeaderScheme, context.Document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
        ];
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions["x-required-scope"] = new JsonNodeExtension(System.Text.Json.Nodes.JsonValue.Create(required.Scope.Name()));

        var scope = required.ReadOnlyWhen is { } flag
            ? $"`{required.Scope.Name()}` (`read` with {flag}=true)"
            : $"`{required.Scope.Name()}`";
        var problem = context.SchemaGenerator.GenerateSchema(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), context.SchemaRepository);
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", Problem(problem,
            "Unauthorized. No API key was sent, or it is unknown or revoked. `WWW-Authenticate` says how to send one."));
        operation.Responses.TryAdd("403", Problem(problem, $"Forbidden. The API key lacks the {scope} scope this operation needs."));
        var tooMany = Problem(problem, "Too Many Requests. The API key (or, without one, the client address) is over its rate limit.");
        tooMany.Headers = new Dictionary<string, IOpenApiHeader>
        {
            ["Retry-After"] = new OpenApiHeader
            {
                Description = "Seconds to wait before retrying.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                Example = 1,
            },
        };
        operation.Responses.TryAdd("429", tooMany);
    }

    private static OpenApiResponse Problem(IOpenApiSchema schema, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = schema } },
    };
}
