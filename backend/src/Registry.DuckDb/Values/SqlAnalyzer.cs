using System.Text.Json;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// Finds the relations a SQL feature reads from DuckDB's own parse tree (json_serialize_sql), so lineage can be
/// checked against what the SQL really does rather than against a regex. Only plain names are allowed: each must be
/// an upstream feature or a CTE; table functions (read_csv, …) and schema-qualified names are refused.
/// </summary>
internal static class SqlAnalyzer
{
    public static SqlReferences Analyze(DuckDbConnection c, string sql)
    {
        string json;
        using (var r = c.Prepared("SELECT json_serialize_sql(CAST(? AS VARCHAR))").BindAll(sql).ExecuteReader())
        {
            r.Read();
            json = r.GetString(0);
        }
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.True)
        {
            var message = root.TryGetProperty("error_message", out var m) ? m.GetString() : "it does not parse";
            return new([], $"The SQL is not a single SELECT that DuckDB can parse: {message}");
        }
        if (root.GetProperty("statements").GetArrayLength() != 1) return new([], "The SQL must be exactly one SELECT statement.");

        var ctes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var tables = new List<string>();
        string? problem = null;
        Walk(root, ctes, tables, ref problem);
        if (problem is not null) return new([], problem);
        return new(tables.Where(t => !ctes.Contains(t)).Distinct(StringComparer.Ordinal).ToList(), null);
    }

    private static void Walk(JsonElement e, HashSet<string> ctes, List<string> tables, ref string? problem)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray()) Walk(item, ctes, tables, ref problem);
                return;
            case JsonValueKind.Object:
                if (e.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
                {
                    switch (type.GetString())
                    {
                        case "BASE_TABLE":
                            var schema = e.GetProperty("schema_name").GetString();
                            var catalog = e.GetProperty("catalog_name").GetString();
                            var name = e.GetProperty("table_name").GetString() ?? "";
                            if (!string.IsNullOrEmpty(schema) || !string.IsNullOrEmpty(catalog))
                                problem ??= $"Refer to upstream features by their name alone (FROM {name}), not as {schema}.{name}: the registry maps each name to the feature's current values.";
                            tables.Add(name);
                            break;
                        case "TABLE_FUNCTION":
                            var function = e.TryGetProperty("function", out var f) && f.TryGetProperty("function_name", out var fn) ? fn.GetString() : "a table function";
                            problem ??= $"SQL features read only their upstream features; {function}(…) is not allowed.";
                            break;
                    }
                }
                if (e.TryGetProperty("cte_map", out var cteMap) && cteMap.TryGetProperty("map", out var map))
                {
                    foreach (var entry in map.EnumerateArray())
                    {
                        if (entry.TryGetProperty("key", out var key) && key.GetString() is { } k) ctes.Add(k);
                    }
                }
                foreach (var property in e.EnumerateObject()) Walk(property.Value, ctes, tables, ref problem);
                return;
        }
    }
}
