using System.Reflection;
using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;

namespace Registry.Core.Common;

/// <summary>
/// How FluentValidation speaks the wire's language. Request shapes are checked by the validators in this assembly,
/// run by the API on every request body before an action (ADR 0020); services check only what needs I/O or state.
/// </summary>
public static class Validation
{
    /// <summary>
    /// Property paths and the names in messages are the snake_case JSON names the client sent
    /// (validation_rules[0].parameters, "'created_by' must not be empty"), never C# or display names ("Created By").
    /// Process-wide, as FluentValidation's options are; idempotent.
    /// </summary>
    public static void UseWireNames()
    {
        ValidatorOptions.Global.PropertyNameResolver = WireName;
        ValidatorOptions.Global.DisplayNameResolver = WireName;
    }

    private static string? WireName(Type type, MemberInfo? member, System.Linq.Expressions.LambdaExpression? expression) =>
        member is null ? null : JsonNamingPolicy.SnakeCaseLower.ConvertName(member.Name);

    /// <summary>For a caller outside HTTP (a job, a tool): the same check and the same 400 the API's validation gives.</summary>
    public static void ValidateOrThrow<T>(this IValidator<T> validator, T instance) => validator.Validate(instance).ThrowIfInvalid();

    public static void ThrowIfInvalid(this ValidationResult result)
    {
        if (result.IsValid) return;
        throw new InvalidInputException(result.Errors
            .GroupBy(e => SnakeCase.Path(e.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));
    }
}
