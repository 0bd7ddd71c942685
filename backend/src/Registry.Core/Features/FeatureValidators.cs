using System.Linq.Expressions;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;
using Registry.Core.Common;

namespace Registry.Core.Features;

public sealed class CreateFeatureValidator : AbstractValidator<CreateFeatureRequest>
{
    public CreateFeatureValidator()
    {
        RuleFor(x => x.FeatureName).NotEmpty()
            .Must(Identifiers.IsFeatureName).WithMessage($"feature_name must be {Identifiers.FeatureNameRule}.");
        RuleFor(x => x.FeatureType).NotNull().IsInEnum();
        RuleFor(x => x.ValidationPolicy).IsInEnum();
        RuleFor(x => x.DataType).NotNull().IsInEnum();
        RuleFor(x => x.Owner).NotEmpty().MaximumLength(100);
        RuleFor(x => x.Description).MaximumLength(4000);
        RuleFor(x => x.Entity!)
            .Must(Identifiers.IsSqlIdentifier).WithMessage($"entity must be {Identifiers.SqlIdentifierRule}.")
            .When(x => x.Entity is not null);
        this.TagRules(x => x.Tags!);
        this.UpstreamRules(x => x.UpstreamFeatures!);
        RuleFor(x => x.Transformation!).SetValidator(new TransformationValidator()).When(x => x.Transformation is not null);
        RuleForEach(x => x.ValidationRules).NotNull().SetValidator(x => new ValidationRuleValidator(x.DataType));
        RuleFor(x => x.ValidationRules).Must(r => r is null || r.Count <= 50).WithMessage("At most 50 validation rules.");
        // The registry names every DuckDB object after its feature (ADR 0019); the fields remain for clients that send
        // them, and must say exactly that.
        RuleFor(x => x.DuckdbTable!)
            .Must((x, table) => table == Values.DuckDbNames.TableOf(x.FeatureName ?? ""))
            .WithMessage(x => $"duckdb_table is always {Values.DuckDbNames.TableOf(Shown(x.FeatureName))} (leave it out): the registry owns the " +
                              $"{Values.DuckDbNames.TableSchema} schema and names each feature's table after the feature, so no feature can take or block another's.")
            .When(x => x.DuckdbTable is not null);
        RuleFor(x => x.DuckdbView!)
            .Must((x, view) => view == Values.DuckDbNames.ViewOf(x.FeatureName ?? ""))
            .WithMessage(x => $"duckdb_view is always {Values.DuckDbNames.ViewOf(Shown(x.FeatureName))} (leave it out): the registry owns the " +
                              $"{Values.DuckDbNames.ViewSchema} schema and names each feature's view after the feature, so no view can replace another feature's object.")
            .When(x => x.DuckdbView is not null);
    }

    private static string Shown(string? featureName) => Identifiers.IsFeatureName(featureName) ? featureName! : "<feature_name>";
}

public sealed class UpdateFeatureValidator : AbstractValidator<UpdateFeatureRequest>
{
    public UpdateFeatureValidator()
    {
        RuleFor(x => x.Owner).NotEmpty().MaximumLength(100).When(x => x.Owner is not null);
        RuleFor(x => x.Description).MaximumLength(4000);
        this.TagRules(x => x.Tags!);
        this.UpstreamRules(x => x.UpstreamFeatures!);
        RuleFor(x => x).Must(x => x.Description is not null || x.Owner is not null || x.Tags is not null || x.UpstreamFeatures is not null || x.ValidationPolicy is not null)
            .WithName("body").OverridePropertyName("body")
            .WithMessage("Give at least one of description, owner, tags, upstream_features, validation_policy.");
    }
}

internal static class SharedRules
{
    public static void TagRules<T>(this AbstractValidator<T> v, Expression<Func<T, IEnumerable<string>>> tags)
    {
        v.RuleFor(tags).Must(t => t is null || t.Count() <= 30).WithMessage("At most 30 tags.");
        v.RuleForEach(tags).NotEmpty().MaximumLength(50)
            .Must(t => t is null || !t.Any(char.IsWhiteSpace)).WithMessage("Tags cannot contain whitespace.");
    }

    public static void UpstreamRules<T>(this AbstractValidator<T> v, Expression<Func<T, IEnumerable<string>>> upstream)
    {
        v.RuleFor(upstream).Must(u => u is null || u.Count() <= 200).WithMessage("At most 200 upstream features.");
        v.RuleForEach(upstream).Must(Identifiers.IsFeatureName)
            .WithMessage($"Each upstream feature name must be {Identifiers.FeatureNameRule}.");
    }
}

public sealed class TransformationValidator : AbstractValidator<TransformationInput>
{
    public TransformationValidator()
    {
        RuleFor(x => x.TransformationType).NotNull().IsInEnum();
        RuleFor(x => x.Code).NotEmpty().MaximumLength(100_000);
        RuleFor(x => x.Parameters).Must(p => p is null || p.Count <= 100).WithMessage("At most 100 parameters.");
    }
}

/// <summary>
/// Each rule type has its own parameters; they are checked here so a rule that cannot run never gets stored.
/// Internal: it needs the feature's data type, so it is a child of another validator, never registered on its own.
/// </summary>
internal sealed class ValidationRuleValidator : AbstractValidator<ValidationRuleInput>
{
    public ValidationRuleValidator(DataType? dataType)
    {
        RuleFor(x => x.RuleType).NotNull().IsInEnum();
        RuleFor(x => x).Custom((rule, ctx) =>
        {
            if (rule.RuleType is not { } type) return;
            foreach (var error in RuleParameters.Check(type, rule.Parameters ?? [], dataType))
                ctx.AddFailure("parameters", error);
        });
    }
}

public static class RuleParameters
{
    private static readonly Dictionary<RuleType, string[]> Known = new()
    {
        [RuleType.Range] = ["min", "max"],
        [RuleType.NullCheck] = ["max_null_ratio"],
        [RuleType.Outlier] = ["z_score_threshold"],
        [RuleType.AllowedValues] = ["values"],
        [RuleType.Regex] = ["pattern"],
    };

    public static IEnumerable<string> Check(RuleType type, IReadOnlyDictionary<string, JsonElement> p, DataType? dataType)
    {
        var known = Known[type];
        foreach (var key in p.Keys.Where(k => !known.Contains(k)))
            yield return $"Unknown parameter '{key}' for rule type {Name(type)}; expected {string.Join(", ", known)}.";

        var numeric = dataType is DataType.Float or DataType.Integer;
        switch (type)
        {
            case RuleType.Range:
                var min = Number(p, "min", out var minError);
                var max = Number(p, "max", out var maxError);
                if (minError is not null) yield return minError;
                if (maxError is not null) yield return maxError;
                if (!p.ContainsKey("min") && !p.ContainsKey("max")) yield return "A range rule needs a numeric min, max or both.";
                if (min is not null && max is not null && min > max) yield return $"min ({min}) must be less than or equal to max ({max}).";
                if (dataType is not null && !numeric) yield return "A range rule applies only to float or integer features.";
                break;
            case RuleType.NullCheck:
                var ratio = Number(p, "max_null_ratio", out var ratioError);
                if (ratioError is not null) yield return ratioError;
                if (ratio is < 0 or > 1) yield return "max_null_ratio must be between 0 and 1.";
                break;
            case RuleType.Outlier:
                var z = Number(p, "z_score_threshold", out var zError);
                if (zError is not null) yield return zError;
                else if (z is null) yield return "An outlier rule needs z_score_threshold, a positive number.";
                else if (z <= 0) yield return "z_score_threshold must be positive.";
                if (dataType is not null && !numeric) yield return "An outlier rule applies only to float or integer features.";
                break;
            case RuleType.AllowedValues:
                if (!p.TryGetValue("values", out var values) || values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                    yield return "An allowed_values rule needs values, a non-empty array.";
                break;
            case RuleType.Regex:
                if (!p.TryGetValue("pattern", out var pattern) || pattern.ValueKind != JsonValueKind.String || pattern.GetString() is not { Length: > 0 } text)
                    yield return "A regex rule needs pattern, a non-empty string.";
                else if (!Compiles(text))
                    yield return "pattern is not a valid regular expression.";
                if (dataType is not null && dataType != DataType.String) yield return "A regex rule applies only to string features.";
                break;
        }
    }

    private static string Name(RuleType type) => JsonNamingPolicy.SnakeCaseLower.ConvertName(type.ToString());

    private static double? Number(IReadOnlyDictionary<string, JsonElement> p, string key, out string? error)
    {
        error = null;
        if (!p.TryGetValue(key, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d)) return d;
        error = $"{key} must be a number.";
        return null;
    }

    private static bool Compiles(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
