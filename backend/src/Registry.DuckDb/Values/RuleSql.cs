using DuckDB.NET.Data;
using Registry.Core.Features;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// Each rule as SQL over a relation (entity_id, event_ts, value[, row_no]): how many rows it checked, how many broke
/// it, and a few of them. A rule DuckDB cannot run (an RE2-incompatible pattern, say) is reported, not thrown.
/// </summary>
internal static class RuleSql
{
    public static RuleMeasure Measure(DuckDbSession c, string relation, List<object?> args, RuleSpec rule, bool hasRowNo)
    {
        try
        {
            var (predicate, predArgs) = Predicate(c, relation, args, rule);
            if (predicate is null) return new RuleMeasure(Count(c, relation, args), 0, [], null);
            long total, offending;
            using (var r = c.Query($"WITH r AS ({relation}) SELECT count(*), count(*) FILTER (WHERE {predicate}) FROM r", [.. args, .. predArgs]))
            {
                r.Read();
                (total, offending) = (r.GetInt64(0), r.GetInt64(1));
            }
            var samples = new List<SampleRow>();
            if (offending > 0)
            {
                var rowNo = hasRowNo ? "row_no" : "NULL::BIGINT";
                var order = hasRowNo ? "row_no" : "entity_id, event_ts";
                using var r = c.Query($"WITH r AS ({relation}) SELECT {rowNo}, entity_id, event_ts, value FROM r WHERE {predicate} ORDER BY {order} LIMIT 5", [.. args, .. predArgs]);
                while (r.Read())
                    samples.Add(new SampleRow(r.IsNull(0) ? null : r.GetInt64(0), r.GetString(1), r.GetTimestamp(2), r.GetValueOrNull(3)));
            }
            return new RuleMeasure(total, offending, samples, null);
        }
        catch (DuckDBException e)
        {
            return new RuleMeasure(0, 0, [], e.Message);
        }
    }

    private static (string? Predicate, List<object?> Args) Predicate(DuckDbSession c, string relation, List<object?> args, RuleSpec rule)
    {
        switch (rule.RuleType)
        {
            case RuleType.NullCheck:
                return ("value IS NULL", []);
            case RuleType.Range:
                var parts = new List<string>();
                var a = new List<object?>();
                if (rule.Min is { } min) { parts.Add("value < ?"); a.Add(min); }
                if (rule.Max is { } max) { parts.Add("value > ?"); a.Add(max); }
                return parts.Count == 0 ? (null, []) : ($"({string.Join(" OR ", parts)})", a);
            case RuleType.Outlier:
                // z-scores against the relation's own mean and population standard deviation.
                using (var r = c.Query($"WITH r AS ({relation}) SELECT avg(value), stddev_pop(value) FROM r", [.. args]))
                {
                    r.Read();
                    if (r.IsNull(1) || r.GetDouble(1) <= 0) return (null, []);
                    return ("abs(value - ?) / ? > ?", [r.GetDouble(0), r.GetDouble(1), rule.ZScoreThreshold]);
                }
            case RuleType.AllowedValues:
                var type = rule.AllowedValuesJson is null ? null : ElementType(rule);
                return ($"value IS NOT NULL AND NOT list_contains(from_json(?::JSON, '[\"{type}\"]'), {(type == "VARCHAR" ? "CAST(value AS VARCHAR)" : "value")})",
                    [rule.AllowedValuesJson]);
            case RuleType.Regex:
                return ("value IS NOT NULL AND NOT regexp_full_match(CAST(value AS VARCHAR), ?)", [rule.Pattern]);
            default:
                return (null, []);
        }
    }

    /// <summary>Allowed values compare in the feature's own type where JSON can say it; otherwise as text.</summary>
    private static string ElementType(RuleSpec rule)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(rule.AllowedValuesJson!);
        var kinds = doc.RootElement.EnumerateArray().Select(e => e.ValueKind).Distinct().ToList();
        if (kinds.All(k => k == System.Text.Json.JsonValueKind.Number)) return "DOUBLE";
        if (kinds.All(k => k is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False)) return "BOOLEAN";
        return "VARCHAR";
    }

    private static long Count(DuckDbSession c, string relation, List<object?> args)
    {
        using var r = c.Query($"WITH r AS ({relation}) SELECT count(*) FROM r", [.. args]);
        r.Read();
        return r.GetInt64(0);
    }
}
