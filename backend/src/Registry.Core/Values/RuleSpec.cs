using System.Text.Json;
using Registry.Core.Features;

namespace Registry.Core.Values;

/// <summary>
/// A validation rule with its parameters read into typed values, ready for a store to measure.
/// Parameters were checked when the rule was stored (RuleParameters), so reading them here cannot fail.
/// </summary>
public sealed record RuleSpec(
    int Index,
    RuleType RuleType,
    bool IsBlocking,
    IReadOnlyDictionary<string, JsonElement> Parameters,
    double? Min = null,
    double? Max = null,
    double MaxNullRatio = 0,
    double ZScoreThreshold = 3,
    string? AllowedValuesJson = null,
    string? Pattern = null)
{
    public static RuleSpec From(int index, ValidationRule rule)
    {
        var p = rule.Parameters;
        double? Num(string key) => p.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        return new RuleSpec(index, rule.RuleType, rule.IsBlocking, p,
            Min: Num("min"),
            Max: Num("max"),
            MaxNullRatio: Num("max_null_ratio") ?? 0,
            ZScoreThreshold: Num("z_score_threshold") ?? 3,
            AllowedValuesJson: p.TryGetValue("values", out var values) ? values.GetRawText() : null,
            Pattern: p.TryGetValue("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.String ? pattern.GetString() : null);
    }
}
