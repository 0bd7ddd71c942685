using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.Mvc.Routing;
using Registry.Core.Auth;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Overrides the scope an action (or every action of a controller) needs. Without it, <see cref="ScopeConvention"/>
/// decides by method. <see cref="ReadOnlyWhen"/> names a boolean query parameter that turns the action into a read
/// (`deprecate?dry_run=true`).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class RequiresScopeAttribute(ApiKeyScope scope) : Attribute
{
    public ApiKeyScope Scope { get; } = scope;
    public string? ReadOnlyWhen { get; init; }
}

/// <summary>The scope an endpoint needs, as endpoint metadata (an authorization policy, and what the OpenAPI document shows).</summary>
public sealed class ScopeAuthorizeAttribute : AuthorizeAttribute
{
    public ScopeAuthorizeAttribute(ApiKeyScope scope, string? readOnlyWhen)
    {
        Scope = scope;
        ReadOnlyWhen = readOnlyWhen;
        Policy = ScopePolicies.Name(scope, readOnlyWhen);
    }

    public ApiKeyScope Scope { get; }
    public string? ReadOnlyWhen { get; }
}

/// <summary>
/// The one place that decides which scope each operation needs: GET and HEAD need read; other methods write; an
/// explicit [RequiresScope] wins (key management needs admin; POSTs that only compute an answer need read);
/// [AllowAnonymous] needs none. Anything not covered here (endpoints outside MVC) falls back to read.
/// </summary>
internal sealed class ScopeConvention : IApplicationModelConvention
{
    public void Apply(ApplicationModel application)
    {
        foreach (var controller in application.Controllers)
        {
            foreach (var action in controller.Actions)
            {
                if (action.Attributes.OfType<IAllowAnonymous>().Any() || controller.Attributes.OfType<IAllowAnonymous>().Any()) continue;
                var explicitScope = action.Attributes.OfType<RequiresScopeAttribute>().FirstOrDefault()
                    ?? controller.Attributes.OfType<RequiresScopeAttribute>().FirstOrDefault();
                var methods = action.Attributes.OfType<IActionHttpMethodProvider>().SelectMany(a => a.HttpMethods).ToList();
                var scope = explicitScope?.Scope
                    ?? (methods.Count > 0 && methods.All(m => m is "GET" or "HEAD") ? ApiKeyScope.Read : ApiKeyScope.Write);
                foreach (var selector in action.Selectors)
                    selector.EndpointMetadata.Add(new ScopeAuthorizeAttribute(scope, explicitScope?.ReadOnlyWhen));
            }
        }
    }
}

/// <summary>Needs <see cref="Scope"/>, or only read when the query parameter <see cref="ReadOnlyWhen"/> is true.</summary>
internal sealed record ScopeRequirement(ApiKeyScope Scope, string? ReadOnlyWhen) : IAuthorizationRequirement
{
    public ApiKeyScope NeededFor(HttpContext? http) =>
        ReadOnlyWhen is { } flag && http is not null && bool.TryParse(http.Request.Query[flag].ToString(), out var on) && on
            ? ApiKeyScope.Read
            : Scope;
}

internal sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated == true && context.User.HasScope(requirement.NeededFor(context.Resource as HttpContext)))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

internal static class ScopePolicies
{
    public static string Name(ApiKeyScope scope, string? readOnlyWhen) =>
        readOnlyWhen is null ? $"scope:{scope.Name()}" : $"scope:{scope.Name()}:read-when-{readOnlyWhen}";

    public static AuthorizationPolicy Policy(ApiKeyScope scope, string? readOnlyWhen) =>
        new AuthorizationPolicyBuilder().AddRequirements(new ScopeRequirement(scope, readOnlyWhen)).Build();
}

/// <summary>A 403 as a problem document that names the scope the operation needs and the ones the key has.</summary>
internal sealed class ScopeForbiddenResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden || authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().FirstOrDefault() is not { } failed)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var needed = failed.NeededFor(context).Name();
        var caller = context.User.ToCaller();
        var granted = caller.Scopes.Select(s => s.Name()).ToList();
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status403Forbidden,
            Title = "The API key lacks a scope.",
            Detail = $"This operation needs the '{needed}' scope; API key {caller.KeyId} has {(granted.Count == 0 ? "none" : string.Join(", ", granted))}.",
        };
        problem.Extensions["required_scope"] = needed;
        await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
