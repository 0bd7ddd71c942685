using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Options;
using Registry.Core.Common;
using Registry.Core.Features;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Turns ModelState into the same 400 problem document the services produce: an `errors` map keyed by the
/// snake_case field, with messages that name what was expected and never leak .NET type names. ModelState holds
/// binding failures (malformed JSON, wrong types, unknown fields) and the failures of the request's FluentValidation
/// validator, which MVC runs on every bound body (ValidationSetup, ADR 0020).
/// </summary>
internal static partial class InvalidInput
{
    public const string BodyKey = "body";

    public static IActionResult Response(ActionContext context)
    {
        var errors = new Dictionary<string, List<string>>();
        var body = context.ActionDescriptor.Parameters.FirstOrDefault(p => p.BindingInfo?.BindingSource == BindingSource.Body)?.ParameterType;
        foreach (var (key, entry) in context.ModelState)
        {
            foreach (var error in entry.Errors)
            {
                var (field, message) = Describe(key, error, body);
                if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
                if (!list.Contains(message)) list.Add(message);
            }
        }

        return Response(context, errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }

    /// <summary>The 400 for errors found outside ModelState (e.g. unknown query parameters), keyed by field.</summary>
    public static IActionResult Response(ActionContext context, IDictionary<string, string[]> errors)
    {
        var problem = new ValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "One or more fields are invalid.",
            Detail = "See 'errors' for each invalid field.",
            Instance = context.HttpContext.Request.Path,
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        };
        return new ProblemResult(problem);
    }

    /// <summary>
    /// Written directly: an ObjectResult would be rewritten to application/json by [Produces], and MVC's
    /// problem writer drops the errors map of a ValidationProblemDetails returned from an action filter.
    /// </summary>
    private sealed class ProblemResult(ValidationProblemDetails problem) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var http = context.HttpContext;
            ProblemDetailsExceptionHandler.Customize(http, problem);
            var json = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            http.Response.StatusCode = problem.Status!.Value;
            http.Response.ContentType = "application/problem+json; charset=utf-8";
            await JsonSerializer.SerializeAsync(http.Response.Body, problem, json, http.RequestAborted);
        }
    }

    private static (string Field, string Message) Describe(string key, ModelError error, Type? body)
    {
        var message = error.Exception?.Message ?? error.ErrorMessage;
        var field = Field(key);

        if (UnmappedProperty().Match(message) is { Success: true } unmapped)
        {
            var name = unmapped.Groups[1].Value;
            var at = field == BodyKey || field == name || field.EndsWith("." + name, StringComparison.Ordinal) ? field : $"{field}.{name}";
            at = at == BodyKey ? name : at;
            // A known field this operation does not change says where it is changed instead.
            if (body?.GetCustomAttributes(typeof(NotChangedHereAttribute), false).OfType<NotChangedHereAttribute>()
                    .FirstOrDefault(a => a.Fields.Contains(at)) is { } notHere)
                return (at, $"'{at}' {notHere.Instead}");
            return (at, $"Unknown property '{name}'. Check the spelling; the schema is in /swagger.");
        }
        if (MissingRequired().Match(message) is { Success: true } missing)
            return (missing.Groups[1].Value.Split(',')[0].Trim(' ', '\''), "This field is required.");
        if (ConvertTo().Match(message) is { Success: true } convert)
            return (field, Expected(convert.Groups[1].Value));
        if (message.StartsWith(NoNul.Message, StringComparison.Ordinal))
        {
            // A NUL in a dictionary key lands in the path itself: name the dictionary instead.
            var at = field.Contains('\0', StringComparison.Ordinal) ? field[..Math.Max(0, field.LastIndexOf('.'))] : field;
            return (at.Length == 0 ? BodyKey : at, NoNul.Message);
        }
        if (DuplicateProperty().Match(message) is { Success: true } duplicate)
            return (field, $"Property '{duplicate.Groups[1].Value}' is given more than once; give each field once.");
        if (field == "as_of" && message.StartsWith("The value", StringComparison.Ordinal))
            return (field, message.TrimEnd('.') + ". Expected an ISO 8601 date-time, e.g. 2025-01-01T00:00:00Z.");
        if (RequiredField().IsMatch(message))
            return (field, "This field is required.");
        if (message.Contains("non-empty request body", StringComparison.Ordinal))
            return (BodyKey, "A JSON request body is required.");
        if (error.Exception is JsonException || message.Contains("LineNumber", StringComparison.Ordinal) || key.StartsWith('$'))
            return (field, "Malformed JSON: " + StripPosition(message));
        return (field, message);
    }

    /// <summary>'$.validation_rules[0].rule_type' → 'validation_rules[0].rule_type'; '$' or '' → 'body'.</summary>
    private static string Field(string key)
    {
        var k = key.StartsWith("$.", StringComparison.Ordinal) ? key[2..] : key.TrimStart('$');
        return k.Length == 0 || k is "request" ? BodyKey : SnakeCase.Path(k);
    }

    private static string Expected(string typeName)
    {
        var inner = NullableOf().Match(typeName) is { Success: true } m ? m.Groups[1].Value : typeName;
        var type = Type.GetType(inner) ?? typeof(Registry.Core.Features.FeatureDefinition).Assembly.GetType(inner);
        if (type is { IsEnum: true })
        {
            var names = Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName);
            return $"Expected one of: {string.Join(", ", names)}.";
        }
        return inner switch
        {
            "System.Int32" or "System.Int64" => "Expected an integer.",
            "System.Double" or "System.Decimal" or "System.Single" => "Expected a number.",
            "System.Boolean" => "Expected true or false.",
            "System.String" => "Expected a string.",
            "System.DateTimeOffset" or "System.DateTime" => "Expected an ISO 8601 date-time, e.g. 2025-01-01T00:00:00Z.",
            _ when inner.Contains("List", StringComparison.Ordinal) || inner.EndsWith("[]", StringComparison.Ordinal) => "Expected an array.",
            _ when inner.Contains("Dictionary", StringComparison.Ordinal) => "Expected an object.",
            _ => "Expected an object.",
        };
    }

    private static string StripPosition(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var text = cut > 0 ? message[..cut] : message;
        return text.Length > 200 ? text[..200] : text;
    }

    [GeneratedRegex(@"The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex(@"Duplicate property '([^']+)'")]
    private static partial Regex DuplicateProperty();

    [GeneratedRegex(@"missing required properties including: (.+?)\.?\s*(Path|$)")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"could not be converted to ([^\s]+?)\.? Path")]
    private static partial Regex ConvertTo();

    [GeneratedRegex(@"^The .+ field is required\.$")]
    private static partial Regex RequiredField();

    [GeneratedRegex(@"^System\.Nullable`1\[(.+)\]$")]
    private static partial Regex NullableOf();
}
