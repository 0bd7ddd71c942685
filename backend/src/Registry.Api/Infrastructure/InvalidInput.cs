using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Metadata;
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
internal static class InvalidInput
{
    public const string BodyKey = "body";

    public static IActionResult Response(ActionContext context)
    {
        var errors = new Dictionary<string, List<string>>();
        var parameters = context.ActionDescriptor.Parameters;
        var body = parameters.FirstOrDefault(p => p.BindingInfo?.BindingSource == BindingSource.Body)?.ParameterType;
        var json = context.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.JsonSerializerOptions;
        foreach (var (key, entry) in context.ModelState)
        {
            foreach (var error in entry.Errors)
            {
                var (field, message) = Describe(key, error, body, json);
                // A query or route value that did not convert (MVC's text names it): add what the parameter's type looks like.
                if (error.Exception is null && parameters.FirstOrDefault(p => p.BindingInfo?.BindingSource != BindingSource.Body
                        && (p.BindingInfo?.BinderModelName ?? p.Name) == key) is { } parameter && ScalarHint(parameter.ParameterType) is { } hint)
                    message = $"{message.TrimEnd('.')}. {hint}";
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

    /// <summary>
    /// What went wrong, from the framework's structure: System.Text.Json's exception (its Path, its position, whether a
    /// reader error lies under it, our own converters' exception types) read against the serializer's contract of the
    /// body type (which member is at that path, of which type); MVC's own messages are ours already (UseOwnTexts).
    /// </summary>
    private static (string Field, string Message) Describe(string key, ModelError error, Type? body, JsonSerializerOptions json)
    {
        var field = Field(key);
        if (error.Exception is not JsonException exception)
            return (field, error.ErrorMessage is { Length: > 0 } text ? text : error.Exception?.Message ?? "The value is not valid.");

        if (exception is NulCharacterException)
        {
            // A NUL in a dictionary key lands in the path itself: name the dictionary instead.
            var at = field.Contains('\0', StringComparison.Ordinal) ? field[..Math.Max(0, field.LastIndexOf('.'))] : field;
            return (at.Length == 0 ? BodyKey : at, NoNul.Message);
        }
        // The reader's own error (JsonReaderException, internal) is kept as the inner exception, with its position.
        if (exception.InnerException is JsonException)
            return (field, $"Malformed JSON at line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}: send one JSON object.");

        var target = body is null ? default : JsonContract.Resolve(json, body, exception.Path ?? "$");
        if (target.UnknownMember is { } name)
        {
            // A known field this operation does not change says where it is changed instead.
            if (body?.GetCustomAttributes(typeof(NotChangedHereAttribute), false).OfType<NotChangedHereAttribute>()
                    .FirstOrDefault(a => a.Fields.Contains(field)) is { } notHere)
                return (field, $"'{field}' {notHere.Instead}");
            return (field, $"Unknown property '{name}'. Check the spelling; the schema is in /swagger.");
        }
        // System.Text.Json reports a repeated property only in its message: no exception type, code or flag says so (ADR 0039).
        if (exception.Message.StartsWith("Duplicate propert", StringComparison.Ordinal))
            return (field, $"Property '{JsonContract.LastSegment(exception.Path)}' is given more than once; give each field once.");
        return (field, Expected(target.Type));
    }

    /// <summary>'$.validation_rules[0].rule_type' → 'validation_rules[0].rule_type'; '$' or '' → 'body'.</summary>
    private static string Field(string key)
    {
        var k = key.StartsWith("$.", StringComparison.Ordinal) ? key[2..] : key.TrimStart('$');
        return k.Length == 0 || k is "request" ? BodyKey : SnakeCase.Path(k);
    }

    /// <summary>What a value of <paramref name="type"/> looks like on the wire, without .NET type names.</summary>
    internal static string Expected(Type? type)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (type is { IsEnum: true })
            return $"Expected one of: {string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName))}.";
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 or TypeCode.Byte => "Expected an integer.",
            TypeCode.Double or TypeCode.Decimal or TypeCode.Single => "Expected a number.",
            TypeCode.Boolean => "Expected true or false.",
            TypeCode.String => "Expected a string.",
            TypeCode.DateTime => DateTimeHint,
            _ when type == typeof(DateTimeOffset) => DateTimeHint,
            _ when type is not null && type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
                   && !typeof(System.Collections.IDictionary).IsAssignableFrom(type) && !IsDictionary(type) => "Expected an array.",
            _ => "Expected an object.",
        };
    }

    /// <summary>The hint for a query value of a number, boolean or date-time type; enums and strings say their own.</summary>
    private static string? ScalarHint(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return !type.IsEnum && (type.IsPrimitive || type == typeof(decimal) || type == typeof(DateTime) || type == typeof(DateTimeOffset))
            ? Expected(type) : null;
    }

    /// <summary>
    /// MVC's own binding messages, set to say what to do: they arrive in ModelState as text and are used as they are.
    /// </summary>
    public static void UseOwnTexts(DefaultModelBindingMessageProvider messages)
    {
        messages.SetMissingRequestBodyRequiredValueAccessor(() => "A JSON request body is required.");
        messages.SetValueMustNotBeNullAccessor(_ => Required);
        messages.SetMissingBindRequiredValueAccessor(_ => Required);
        messages.SetMissingKeyOrValueAccessor(() => Required);
    }

    private const string Required = "This field is required.";

    private const string DateTimeHint = "Expected an ISO 8601 date-time, e.g. 2025-01-01T00:00:00Z.";

    private static bool IsDictionary(Type type) =>
        type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() is var d
            && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>)));
}

/// <summary>
/// A JsonException's Path (e.g. $.validation_rules[0].parameters, $['odd.key']) walked through the serializer's
/// contract (JsonTypeInfo) of the body type: the member at that path and its type, or the name no member has.
/// </summary>
internal static class JsonContract
{
    public readonly record struct Target(Type? Type, string? UnknownMember);

    public static Target Resolve(JsonSerializerOptions options, Type root, string path)
    {
        var type = root;
        foreach (var segment in Segments(path))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            var info = options.GetTypeInfo(type);
            switch (info.Kind)
            {
                case JsonTypeInfoKind.Object when segment.Name is { } name:
                    var member = info.Properties.FirstOrDefault(p => p.Name == name);
                    if (member is null) return new Target(null, name);
                    type = member.PropertyType;
                    break;
                case JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary when info.ElementType is { } element:
                    type = element;
                    break;
                default:
                    return new Target(type, null); // free-form JSON (JsonElement) or a value: nothing below it is typed
            }
        }
        return new Target(type, null);
    }

    public static string LastSegment(string? path) => Segments(path ?? "$").LastOrDefault() is { Name: { } name } ? name : "";

    /// <summary>The segments of System.Text.Json's path syntax: .name, ['name'] and [index].</summary>
    private static List<(string? Name, int? Index)> Segments(string path)
    {
        var segments = new List<(string?, int?)>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add((path[(i + 1)..end], null));
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add((path[(i + 2)..end], null));
                i = Math.Min(path.Length, end + 2);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                end = end < 0 ? path.Length : end;
                segments.Add((null, int.TryParse(path.AsSpan(i + 1, end - i - 1), out var index) ? index : 0));
                i = Math.Min(path.Length, end + 1);
            }
            else
            {
                break;
            }
        }
        return segments;
    }
}
