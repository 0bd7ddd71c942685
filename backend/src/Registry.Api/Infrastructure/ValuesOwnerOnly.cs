using Microsoft.AspNetCore.Mvc.Filters;
using Registry.Core.Online;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Value work (ingest, ranges, statistics, validation, SQL features' values, training sets, snapshot files) is the values
/// owner's (ADR 0036). On a replica it is refused before the body is read or a response begins: 503 naming the owner,
/// which a load balancer takes as its cue to send the request there. Elsewhere the filter does nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ValuesOwnerOnlyAttribute : Attribute, IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        if (context.HttpContext.RequestServices.GetService<OnlineStoreMode>()?.Role == OnlineRole.Replica) throw OnlineStoreMode.OwnerOnly();
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}
