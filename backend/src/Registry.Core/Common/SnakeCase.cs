using System.Text.Json;
using System.Text.RegularExpressions;

namespace Registry.Core.Common;

/// <summary>Turns validator paths (ValidationRules[0].Parameters) into wire names (validation_rules[0].parameters).</summary>
public static partial class SnakeCase
{
    [GeneratedRegex("[A-Za-z][A-Za-z0-9]*")]
    private static partial Regex Word();

    public static string Path(string memberPath) =>
        Word().Replace(memberPath, m => JsonNamingPolicy.SnakeCaseLower.ConvertName(m.Value));
}
