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
        if (context.Result is not ObjectResult { Value: ProblemDetails } result) return;
        result.ContentTypes.Clear();
        result.ContentTypes.Add("application/problem+json");
    }

    public void OnResultExecuted(ResultExecutedContext context) { }
}
