using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Problem documents that MVC makes itself (a 415 from [Consumes] when the body has no Content-Type, status results
/// turned into problems) are sent as application/problem+json: the controllers' [Produces("application/json")]
/// would otherwise label them application/json. Runs last, after every other result filter.
/// </summary>
internal sealed class ProblemContentTypeFilter : IAlwaysRunResultFilter, IOrderedFilter
{
    public int Order => int.MaxValue;

    public void OnResultExecuting(ResultExecutingContext context)
    {
        if (context.Result is not ObjectResult { Value: ProblemDetails problem } result) return;
        result.ContentTypes.Clear();
        result.ContentTypes.Add("application/problem+json");
        UnsupportedMediaType.Describe(context.HttpContext, problem);
    }

    public void OnResultExecuted(ResultExecutedContext context) { }
}

/// <summary>
/// A 415 says which media types the operation reads (its [Consumes]), in `detail` and `accepted_media_types`. Routing
/// answers a 415 itself, through an endpoint of its own, when no action of the path and method reads the body's type,
/// so the operations are found again from the request: the endpoints whose route and method match it.
/// </summary>
internal static class UnsupportedMediaType
{
    public static void Describe(HttpContext http, ProblemDetails problem)
    {
        if (problem.Status != StatusCodes.Status415UnsupportedMediaType) return;
        var endpoints = http.RequestServices.GetService<EndpointDataSource>()?.Endpoints.OfType<RouteEndpoint>() ?? [];
        var accepted = endpoints
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods.Contains(http.Request.Method, StringComparer.OrdinalIgnoreCase) == true)
            .Where(e => e.RoutePattern.RawText is { } template
                        && new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(template), [])
                            .TryMatch(http.Request.Path, []))
            .SelectMany(e => e.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>())
            .SelectMany(a => a.ContentTypes).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (accepted.Length == 0) return;
        var sent = http.Request.ContentType is { Length: > 0 } type ? $"'{type}'" : "missing";
        problem.Detail = $"The body's Content-Type is {sent}; this operation reads {string.Join(", ", accepted)}. Send the body with one of them.";
        problem.Extensions["accepted_media_types"] = accepted;
    }
}
