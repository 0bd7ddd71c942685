using System.Text.Json;
using System.Text.RegularExpressions;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// The check of a SQL feature, on DuckDB's own parse tree (json_serialize_sql), so that what is checked is what the
/// engine will bind (ADR 0019). It allows one SELECT whose every relation is a plain name that is either a CTE visible
/// at that point (declared by an enclosing query, or earlier in the same WITH; itself only inside its own recursive
/// part) or an upstream feature; quoted paths, table functions, qualified names, time travel and functions that read
/// the engine's state are refused. Everything not known to be safe is refused. The engine's own sandbox stands behind
/// this check in case it misses something.
/// </summary>
internal static partial class SqlAnalyzer
{
    /// <summary>Scalar functions that read the engine's or the host's state, or change it.</summary>
    private static readonly string[] DeniedFunctionPrefixes =
        ["current_setting", "getvariable", "getenv", "pragma_", "duckdb_", "read_", "glob", "sniff_", "parquet_", "nextval",
         "currval", "setseed", "query", "checkpoint", "force_checkpoint", "icu_", "sql_auto_complete", "which_secret", "enable_", "disable_"];

    /// <summary>How deep a parse tree the check walks (JSON levels); the walk recurses once per level.</summary>
    internal const int MaxTreeDepth = 2000;

    public static SqlReferences Analyze(DuckDbSession c, string sql)
    {
        var first = Check(c, sql);
        if (first.Error is not null) return first;
        // Only the engine's own printing of the checked tree is ever run: no comment, quote or trailing text of the
        // client's survives. It is checked again, so a printing quirk cannot slip something past the first check.
        string canonical;
        using (var r = c.Query("SELECT json_deserialize_sql(json_serialize_sql(CAST(? AS VARCHAR)))", sql))
        {
            r.Read();
            canonical = r.GetString(0).Trim().TrimEnd(';').Trim();
        }
        var second = Check(c, canonical);
        if (second.Error is not null || !second.Tables.SequenceEqual(first.Tables))
            return new([], "The SQL uses a form the registry cannot check; write it as a plain SELECT over the upstream features.");
        return first with { Sql = canonical };
    }

    private static SqlReferences Check(DuckDbSession c, string sql)
    {
        string json;
        using (var r = c.Query("SELECT json_serialize_sql(CAST(? AS VARCHAR))", sql))
        {
            r.Read();
            json = r.GetString(0);
        }
        JsonDocument doc;
        // A left-deep chain (a + b + c + …) nests two JSON levels per term, so the default depth of 64 is far too small
        // for real SQL; past this bound the answer is a 422, never the parser's exception.
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxTreeDepth }); }
        catch (JsonException)
        {
            return new([], $"The SQL nests deeper than the registry checks ({MaxTreeDepth} levels of DuckDB's parse tree); simplify it, e.g. with a CTE.");
        }
        using var _ = doc;
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.True)
        {
            var message = root.TryGetProperty("error_message", out var m) ? m.GetString() : "it does not parse";
            if (message?.Contains("Only SELECT", StringComparison.OrdinalIgnoreCase) == true)
                return new([], "A SQL feature is a single SELECT statement; other statements (COPY, ATTACH, SET, PRAGMA, INSTALL, CALL, …) are not allowed.");
            return new([], $"The SQL is not a single SELECT that DuckDB can parse: {SqlLimits.Redact(message ?? "")}");
        }
        var statements = root.GetProperty("statements");
        if (statements.GetArrayLength() != 1) return new([], "The SQL must be exactly one SELECT statement.");

        var walker = new Walker();
        walker.Query(statements[0].GetProperty("node"), Scope.Empty);
        if (walker.Problem is not null) return new([], walker.Problem);
        return new(walker.Tables.Distinct(StringComparer.Ordinal).ToList(), null);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex PlainName();

    /// <summary>The CTE names visible at a point of the query (plain names, compared as DuckDB does: case-insensitively).</summary>
    private sealed class Scope
    {
        public static readonly Scope Empty = new(null, null);
        private readonly Scope? _parent;
        private readonly string? _name;

        private Scope(Scope? parent, string? name) => (_parent, _name) = (parent, name);

        public Scope With(string name) => new(this, name);

        public bool Contains(string name)
        {
            for (var s = this; s is not null; s = s._parent)
                if (s._name is not null && string.Equals(s._name, name, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }
    }

    private sealed class Walker
    {
        public List<string> Tables { get; } = [];
        public string? Problem { get; private set; }

        private void Refuse(string problem) => Problem ??= problem;

        public void Query(JsonElement node, Scope scope)
        {
            if (Problem is not null) return;
            var type = node.TryGetProperty("type", out var t) ? t.GetString() : null;
            switch (type)
            {
                case "SELECT_NODE":
                    scope = Ctes(node, scope);
                    foreach (var p in node.EnumerateObject())
                    {
                        if (p.Name == "cte_map") continue;
                        if (p.Name == "from_table") Table(p.Value, scope);
                        else Expression(p.Value, scope);
                    }
                    return;
                case "SET_OPERATION_NODE":
                    scope = Ctes(node, scope);
                    foreach (var p in node.EnumerateObject())
                    {
                        if (p.Name == "cte_map") continue;
                        if (p.Name is "left" or "right") Query(p.Value, scope);
                        else if (p.Name == "children" && p.Value.ValueKind == JsonValueKind.Array)
                            foreach (var child in p.Value.EnumerateArray()) Query(child, scope);
                        else Expression(p.Value, scope);
                    }
                    return;
                default:
                    Refuse($"The SQL uses a query form the registry does not allow in SQL features ({type ?? "unknown"}).");
                    return;
            }
        }

        /// <summary>Checks each CTE body with the names declared before it, and returns the scope with all of them.</summary>
        private Scope Ctes(JsonElement node, Scope scope)
        {
            if (!node.TryGetProperty("cte_map", out var cteMap) || !cteMap.TryGetProperty("map", out var map)) return scope;
            foreach (var entry in map.EnumerateArray())
            {
                var name = entry.GetProperty("key").GetString() ?? "";
                if (!PlainName().IsMatch(name))
                {
                    Refuse("Name each CTE with a plain identifier (letters, digits, underscores).");
                    return scope;
                }
                var body = entry.GetProperty("value").GetProperty("query").GetProperty("node");
                if (body.TryGetProperty("type", out var bt) && bt.GetString() == "RECURSIVE_CTE_NODE")
                {
                    // The anchor cannot see the CTE; the recursive part reads the rows found so far.
                    var self = body.TryGetProperty("cte_name", out var cn) ? cn.GetString() : null;
                    if (!string.Equals(self, name, StringComparison.OrdinalIgnoreCase))
                    {
                        Refuse("The SQL uses a recursive CTE form the registry cannot check.");
                        return scope;
                    }
                    foreach (var p in body.EnumerateObject())
                    {
                        if (p.Name == "left") Query(p.Value, scope);
                        else if (p.Name == "right") Query(p.Value, scope.With(name));
                        else if (p.Name != "cte_map") Expression(p.Value, scope);
                    }
                }
                else Query(body, scope);
                scope = scope.With(name);
            }
            return scope;
        }

        private void Table(JsonElement table, Scope scope)
        {
            if (Problem is not null || table.ValueKind != JsonValueKind.Object) return;
            var type = table.TryGetProperty("type", out var t) ? t.GetString() : null;
            switch (type)
            {
                case "BASE_TABLE":
                    var name = table.GetProperty("table_name").GetString() ?? "";
                    var schema = table.TryGetProperty("schema_name", out var s) ? s.GetString() : null;
                    var catalog = table.TryGetProperty("catalog_name", out var k) ? k.GetString() : null;
                    if (!string.IsNullOrEmpty(schema) || !string.IsNullOrEmpty(catalog))
                    {
                        Refuse($"Refer to upstream features by their name alone (FROM {Shown(name)}), not qualified by a schema or catalog: " +
                               "the registry binds each name to that feature's current values.");
                        return;
                    }
                    if (!PlainName().IsMatch(name))
                    {
                        // Not echoed: it is typically a path, and the answer is the same whatever it names.
                        Refuse("A quoted name (a path, file or URL) is not an upstream feature: SQL features read only their declared " +
                               "upstream features, by name.");
                        return;
                    }
                    if (table.TryGetProperty("at_clause", out var at) && at.ValueKind != JsonValueKind.Null)
                    {
                        Refuse("Time travel (AT …) is not allowed; the registry chooses which values each upstream feature shows.");
                        return;
                    }
                    if (!scope.Contains(name)) Tables.Add(name.ToLowerInvariant());
                    Expression(table.TryGetProperty("sample", out var sample) ? sample : default, scope);
                    return;
                case "JOIN":
                    foreach (var p in table.EnumerateObject())
                    {
                        if (p.Name is "left" or "right") Table(p.Value, scope);
                        else Expression(p.Value, scope);
                    }
                    return;
                case "SUBQUERY":
                    foreach (var p in table.EnumerateObject())
                    {
                        if (p.Name == "subquery") Query(p.Value.GetProperty("node"), scope);
                        else Expression(p.Value, scope);
                    }
                    return;
                case "EMPTY":
                    return;
                case "EXPRESSION_LIST":
                    Expression(table, scope);
                    return;
                case "TABLE_FUNCTION":
                    var function = table.TryGetProperty("function", out var f) && f.TryGetProperty("function_name", out var fn) ? fn.GetString() : "a table function";
                    Refuse($"SQL features read only their upstream features; {Shown(function ?? "")}(…) is not allowed.");
                    return;
                default:
                    Refuse($"SQL features read only their upstream features; a FROM clause of kind {type ?? "unknown"} is not allowed.");
                    return;
            }
        }

        /// <summary>Anything else in the tree: subqueries are queries, function calls are checked, the rest is walked.</summary>
        private void Expression(JsonElement e, Scope scope)
        {
            if (Problem is not null) return;
            switch (e.ValueKind)
            {
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray()) Expression(item, scope);
                    return;
                case JsonValueKind.Object:
                    if (e.TryGetProperty("from_table", out _) || e.TryGetProperty("cte_map", out _)) { Query(e, scope); return; }
                    if (e.TryGetProperty("table_name", out _)) { Table(e, scope); return; }
                    var kind = e.TryGetProperty("class", out var cls) ? cls.GetString() : null;
                    if (kind == "FUNCTION") Function(e);
                    // The registry binds its own parameters around the SQL; a client's placeholder would take one of them.
                    else if (kind == "PARAMETER")
                    {
                        Refuse("Parameters (?, $1, $name) are not allowed: a SQL feature takes no arguments, only its upstream features.");
                        return;
                    }
                    foreach (var p in e.EnumerateObject())
                    {
                        if (p.Name == "subquery" && p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("node", out var node)) Query(node, scope);
                        else Expression(p.Value, scope);
                    }
                    return;
            }
        }

        private void Function(JsonElement e)
        {
            var name = (e.TryGetProperty("function_name", out var n) ? n.GetString() : "") ?? "";
            var schema = e.TryGetProperty("schema", out var s) ? s.GetString() : null;
            var catalog = e.TryGetProperty("catalog", out var c) ? c.GetString() : null;
            if (!string.IsNullOrEmpty(schema) || !string.IsNullOrEmpty(catalog))
                Refuse($"Call functions by their name alone ({Shown(name)}), not qualified by a schema or catalog.");
            else if (DeniedFunctionPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
                Refuse($"{Shown(name)}(…) reads or changes the engine's state and is not allowed in SQL features.");
        }

        /// <summary>A name from the client's SQL, shortened and without path-like text that could be mistaken for ours.</summary>
        private static string Shown(string name) => name.Length <= 80 ? name : name[..80] + "…";
    }
}
