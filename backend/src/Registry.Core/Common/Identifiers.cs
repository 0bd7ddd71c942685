using System.Text.RegularExpressions;

namespace Registry.Core.Common;

/// <summary>
/// Names that reach SQL (DuckDB tables, entity columns) are checked here and only ever quoted
/// afterwards, never concatenated raw.
/// </summary>
public static partial class Identifiers
{
    public const string FeatureNameRule = "lowercase letters, digits and underscores, 3 to 100 characters";
    public const string SqlIdentifierRule = "a letter or underscore followed by letters, digits or underscores, at most 63 characters";

    [GeneratedRegex("^[a-z0-9_]{3,100}$")]
    private static partial Regex FeatureNamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex SqlIdentifierPattern();

    public static bool IsFeatureName(string? value) => value is not null && FeatureNamePattern().IsMatch(value);

    public static bool IsSqlIdentifier(string? value) => value is not null && SqlIdentifierPattern().IsMatch(value);

    /// <summary>A DuckDB relation reference: exactly <c>schema.name</c>, both parts plain identifiers.</summary>
    public static bool IsQualifiedName(string? value)
    {
        if (value is null) return false;
        var parts = value.Split('.');
        return parts.Length == 2 && IsSqlIdentifier(parts[0]) && IsSqlIdentifier(parts[1]);
    }
}
