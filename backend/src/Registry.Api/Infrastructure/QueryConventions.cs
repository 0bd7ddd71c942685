using System.Collections;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Registry.Api.Infrastructure;

// How every action reads its route and query string, decided once here (ADR 0026) rather than on each parameter:
// snake_case names, unknown query parameters refused, lists given repeated or comma-separated, enums in any case.

/// <summary>
/// Route and query parameters are bound by their snake_case name (`featureName` ← `{feature_name}`, `asOf` ← `?as_of=`),
/// so a controller writes `[FromQuery] DateTimeOffset? asOf` and the wire name follows the JSON convention.
/// An explicit `Name` still wins.
/// </summary>
internal sealed class SnakeCaseParameterConvention : IParameterModelConvention
{
    public void Apply(ParameterModel parameter)
    {
        var source = parameter.BindingInfo?.BindingSource;
        if (source != BindingSource.Query && source != BindingSource.Path) return;
        parameter.BindingInfo!.BinderModelName ??= JsonNamingPolicy.SnakeCaseLower.ConvertName(parameter.ParameterName);
    }
}

/// <summary>
/// A query parameter the action does not read is a 400 naming it: `GET /features?tag=x` would otherwise silently
/// return every feature. Runs before model binding, for every action.
/// </summary>
internal sealed class UnknownQueryParametersFilter : IResourceFilter
{
    // Per action, computed once: the check runs on every request, hot paths included.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, HashSet<string>> _names = new();

    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        var query = context.HttpContext.Request.Query;
        if (query.Count == 0) return;
        var known = _names.GetOrAdd(context.ActionDescriptor.Id, static (_, parameters) => QueryNames(parameters), context.ActionDescriptor.Parameters);
        if (query.Keys.All(known.Contains)) return;
        var unknown = query.Keys.Where(k => !known.Contains(k)).ToList();
        var accepted = known.Count == 0 ? "This operation takes no query parameters." : $"This operation accepts: {string.Join(", ", known.Order(StringComparer.Ordinal))}.";
        var errors = unknown.ToDictionary(k => k.Length == 0 ? "query" : k, k => new[] { $"Unknown query parameter '{k}'. {Hint(k, known)}{accepted}" });
        context.Result = InvalidInput.Response(context, errors);
    }

    public void OnResourceExecuted(ResourceExecutedContext context) { }

    internal static HashSet<string> QueryNames(IEnumerable<Microsoft.AspNetCore.Mvc.Abstractions.ParameterDescriptor> parameters) =>
        parameters.Where(p => p.BindingInfo?.BindingSource == BindingSource.Query)
            .Select(p => p.BindingInfo!.BinderModelName ?? p.Name)
            .ToHashSet(StringComparer.OrdinalIgnoreCase); // MVC binds query keys case-insensitively

    /// <summary>`tag` when the action reads `tags` (and the reverse): the usual slip.</summary>
    private static string Hint(string given, HashSet<string> known)
    {
        var near = known.FirstOrDefault(k => k.StartsWith(given, StringComparison.OrdinalIgnoreCase) || given.StartsWith(k, StringComparison.OrdinalIgnoreCase));
        return near is null || given.Length == 0 ? "" : $"Did you mean '{near}'? ";
    }
}

/// <summary>
/// A list-valued query parameter (`string[]`, `List&lt;string&gt;`, …) takes repeated keys, comma-separated values, or both:
/// `?entity_id=A&amp;entity_id=B`, `?entity_id=A,B`. Blank items are dropped; items are trimmed.
/// </summary>
internal sealed class MultiValueQueryBinderProvider : IModelBinderProvider
{
    public IModelBinder? GetBinder(ModelBinderProviderContext context)
    {
        if (context.BindingInfo.BindingSource != BindingSource.Query) return null;
        var type = context.Metadata.ModelType;
        if (type == typeof(string[])) return new MultiValueQueryBinder(items => items.ToArray());
        if (type.IsAssignableFrom(typeof(List<string>)) && type != typeof(object) && typeof(IEnumerable).IsAssignableFrom(type))
            return new MultiValueQueryBinder(items => items);
        return null;
    }
}

internal sealed class MultiValueQueryBinder(Func<List<string>, object> shape) : IModelBinder
{
    public Task BindModelAsync(ModelBindingContext bindingContext)
    {
        var result = bindingContext.ValueProvider.GetValue(bindingContext.ModelName);
        if (result == ValueProviderResult.None) return Task.CompletedTask; // absent: the parameter's default
        var items = Split(result.Values);
        bindingContext.Result = ModelBindingResult.Success(shape(items));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Items of a comma-separated value are trimmed (tags=a, b); a value without a comma is taken exactly, because an
    /// entity id such as "a " is a different entity from "a" and must be reachable by a repeated parameter.
    /// </summary>
    internal static List<string> Split(IEnumerable<string?> values) =>
        values.OfType<string>()
            .SelectMany(v => v.Contains(',', StringComparison.Ordinal)
                ? v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : v.Length > 0 ? [v] : [])
            .ToList();
}

public static class QueryConventionsSetup
{
    /// <summary>The conventions above, for <c>AddControllers</c>.</summary>
    public static void AddQueryConventions(this MvcOptions options)
    {
        options.Conventions.Add(new SnakeCaseParameterConvention());
        options.Filters.Add(new UnknownQueryParametersFilter());
        options.ModelBinderProviders.Insert(0, new MultiValueQueryBinderProvider());
    }
}
