using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Registry.Api.Infrastructure;

public static class SwaggerSetup
{
    public static IServiceCollection AddRegistrySwagger(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Feature Registry API",
                Version = "v1",
                Description = "Feature definitions with semantic versions, lineage and validation rules for trading ML teams. " +
                              "JSON is snake_case; errors are RFC 9457 problem details.",
            });
            // Operation ids become client method names: keep them the action names, stable and readable.
            options.CustomOperationIds(api => api.ActionDescriptor.RouteValues["action"] is { } action
                ? char.ToLowerInvariant(action[0]) + action[1..]
                : null);
            options.SupportNonNullableReferenceTypes();
            // A nullable property of a referenced type (a raw feature's transformation) is `allOf: [$ref]` with
            // `nullable: true`: beside a bare $ref, OpenAPI 3.0 ignores nullable and validators refuse the null.
            options.UseAllOfToExtendReferenceSchemas();
            options.OperationFilter<ExamplesOperationFilter>();
            options.OperationFilter<StreamedRequestBodyFilter>();
            // Controller summaries become the tags' descriptions.
            foreach (var xml in Directory.GetFiles(AppContext.BaseDirectory, "Registry.*.xml"))
                options.IncludeXmlComments(xml, includeControllerXmlComments: true);
            // After the XML comments, so that they see (and keep) what the comments said.
            options.OperationFilter<XmlTextFilter>();
            options.OperationFilter<OneOfResponsesFilter>(); // before ConditionalRequestsFilter, which gives a definition its ETag
            ApiKeySecurityFilter.AddSchemes(options); // before ProblemResponsesFilter, which completes its 401/403/429
            options.OperationFilter<ProblemResponsesFilter>();
            options.OperationFilter<ConditionalRequestsFilter>();
            options.OperationFilter<SharedParametersFilter>();
            options.OperationFilter<TextResponsesFilter>();
            options.SchemaFilter<ProblemSchemaFilter>();
            options.DocumentFilter<TagOrderFilter>();
            options.DocumentFilter<RequiredResponsePropertiesFilter>();
            options.DocumentFilter<ReferenceWrapperFilter>();
        });
        return services;
    }

    public static WebApplication UseRegistrySwagger(this WebApplication app)
    {
        app.UseSwagger(options => options.PreSerializeFilters.Add((document, request) =>
            // Relative to wherever the document was fetched from, so Swagger UI and clients call the host they
            // reached, behind a proxy too; the path base keeps a mounted app's prefix.
            document.Servers = [new OpenApiServer { Url = request.PathBase.HasValue ? request.PathBase.Value : "/", Description = "The host that served this document" }]));
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/swagger/v1/swagger.json", "Feature Registry v1");
            options.DocumentTitle = "Feature Registry API";
            options.DisplayRequestDuration();
            options.EnablePersistAuthorization(); // the key pasted into Authorize survives a reload
        });
        return app;
    }
}

/// <summary>A JSON request body example shown (and pre-filled) in Swagger UI.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class RequestExampleAttribute(string json, string name = "default", string? summary = null) : Attribute
{
    public string Json { get; } = json;
    public string Name { get; } = name;
    public string? Summary { get; } = summary;
}

internal sealed class ExamplesOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var examples = context.MethodInfo.GetCustomAttributes<RequestExampleAttribute>().ToList();
        if (examples.Count == 0 || operation.RequestBody?.Content is not { } content) return;
        foreach (var media in content.Values.OfType<OpenApiMediaType>())
        {
            media.Example = JsonNode.Parse(examples[0].Json);
            if (examples.Count > 1)
            {
                media.Examples = examples.ToDictionary(e => e.Name, e => (IOpenApiExample)new OpenApiExample
                {
                    Summary = e.Summary ?? e.Name,
                    Value = JsonNode.Parse(e.Json),
                });
            }
        }
    }
}

/// <summary>
/// Swagger UI lists the areas in the order a newcomer meets them (features first, key management last), not in the order
/// the controllers happen to be discovered: the document's tags, and its paths, follow <see cref="Order"/>.
/// </summary>
internal sealed class TagOrderFilter : IDocumentFilter
{
    internal static readonly string[] Order =
        ["Features", "Versions", "Lineage", "Usage", "Values", "FeatureSets", "TrainingSets", "Online", "Snapshots", "ApiKeys"];

    /// <summary>A tag not in the list goes after the others but before API keys, which stay last.</summary>
    private static int Rank(string? tag) => tag == "ApiKeys" ? Order.Length + 1 : Array.IndexOf(Order, tag) is var i and >= 0 ? i : Order.Length;

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        if (document.Tags is { Count: > 0 } tags)
            document.Tags = new HashSet<OpenApiTag>(tags.OrderBy(t => Rank(t.Name)).ThenBy(t => t.Name, StringComparer.Ordinal));
        var paths = document.Paths.OrderBy(p => p.Value.Operations?.Values.Select(o => o.Tags?.FirstOrDefault()?.Name).Min(Rank) ?? Order.Length)
            .ToList(); // stable: within a tag, the discovered order
        document.Paths.Clear();
        foreach (var (path, item) in paths) document.Paths.Add(path, item);
    }
}
