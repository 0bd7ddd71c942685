namespace Registry.Core.Values;

/// <summary>
/// The DuckDB names the registry owns (ADR 0019). Every feature's table is <c>features.&lt;feature_name&gt;</c> and its
/// view <c>feature_views.&lt;feature_name&gt;</c>: one schema per kind of object and the feature's own (unique) name,
/// so no feature can take, block or shadow another's objects, and no user-chosen name reaches a schema of the engine
/// (temp, main, system, information_schema, pg_catalog) or of the store itself (registry_latest).
/// </summary>
public static class DuckDbNames
{
    public const string TableSchema = ValueTable.DefaultSchema;
    public const string ViewSchema = "feature_views";

    public static string TableOf(string featureName) => $"{TableSchema}.{featureName}";

    public static string ViewOf(string featureName) => $"{ViewSchema}.{featureName}";

    /// <summary>Schemas no table of a feature may be in: the engine's, the catalog's own name, and the store's internal ones.</summary>
    public static readonly IReadOnlySet<string> ReservedSchemas = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "temp", "main", "system", "information_schema", "pg_catalog", "memory", "values", "registry_latest", "registry_meta", ViewSchema,
    };
}
