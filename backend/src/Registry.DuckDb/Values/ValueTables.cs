using System.Collections.Concurrent;
using System.Globalization;
using Registry.Core.Common;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// The value store's DDL: each feature's tables (created on first use, checked for shape, never overwritten), the
/// views of SQL features, and the binding of upstream features as CTEs that a SQL feature's query reads.
/// </summary>
internal sealed class ValueTables(ValueStoreOptions options, LatestCache latest)
{
    private readonly ConcurrentDictionary<string, bool> _ready = new(StringComparer.Ordinal);
    private readonly ValueCatalog _catalog = new();
    private int _ddlRuns;

    /// <summary>How many times this instance ran a feature's table DDL (what opening a file again must not need).</summary>
    public int DdlRuns => _ddlRuns;

    public ValueCatalog Catalog => _catalog;

    /// <summary>DDL runs one statement at a time: DuckDB's catalog writes conflict when two transactions change it at once.</summary>
    private static readonly SemaphoreSlim Ddl = new(1, 1);

    /// <summary>Whether the feature has a value table; true also makes sure its tables are complete.</summary>
    public bool Exists(DuckDbSession c, ValueTable t)
    {
        if (_ready.ContainsKey(t.QualifiedName)) return true;
        if (_catalog.Find(c, t.Schema, t.Table) is null) return false;
        Ensure(c, t);
        return true;
    }

    /// <summary>Creates the feature's tables once; an existing table of another shape is a conflict, never overwritten.</summary>
    public void Ensure(DuckDbSession c, ValueTable t)
    {
        if (_ready.ContainsKey(t.QualifiedName)) return;
        // Definitions registered before ADR 0019 may name any schema; one the engine or the store uses is never created.
        if (DuckDbNames.ReservedSchemas.Contains(t.Schema))
            throw new ConflictException("The feature's DuckDB table is in a reserved schema.",
                $"'{t.FeatureName}' stores its values in {t.QualifiedName}, a schema the engine or the registry uses; an operator must move its values to {DuckDbNames.TableOf(t.FeatureName)}.");
        // Both tables already there in the right shape (every feature of a file opened again): no DDL, no catalog query.
        if (_catalog.Find(c, t.Schema, t.Table) is { IsView: false } known && known.Columns.SequenceEqual(Expected(t))
            && _catalog.Find(c, ValueSql.LatestSchema, t.FeatureName) is { IsView: false })
        {
            _ready[t.QualifiedName] = true;
            return;
        }
        Ddl.Wait();
        try
        {
            // Asked of the engine, not the catalog kept here: DDL is rare, and this check is what refuses an object the
            // registry did not make.
            if (ObjectType(c, t.Schema, t.Table) is "VIEW")
                throw new ConflictException("The feature's DuckDB table name is taken.",
                    $"{t.QualifiedName} is a view the registry did not create as this feature's table; an operator must drop it.");
            var latestExisted = _catalog.Find(c, ValueSql.LatestSchema, t.FeatureName) is not null;
            _ddlRuns++;
            c.Execute(ValueSql.CreateTables(t));
            _catalog.TableChanged(c, t.Schema, t.Table);
            _catalog.TableChanged(c, ValueSql.LatestSchema, t.FeatureName);
            var columns = _catalog.Find(c, t.Schema, t.Table)!.Columns;
            if (!columns.SequenceEqual(Expected(t)))
                throw new ConflictException("The DuckDB table has another shape.",
                    $"{t.QualifiedName} exists with columns ({string.Join(", ", columns)}); the registry needs ({string.Join(", ", Expected(t))}). " +
                    "Point duckdb_table at a new table, or migrate that one.");
            // The latest-value table is derived; rebuild it if it is missing (a restored backup of the values alone).
            if (!latestExisted)
                c.Execute($"""
                    INSERT INTO {ValueSql.Latest(t)} SELECT entity_id, contract_major, event_ts, value, feature_version, ingested_at
                    FROM {ValueSql.Target(t)} QUALIFY row_number() OVER (PARTITION BY entity_id, contract_major ORDER BY event_ts DESC, ingested_at DESC) = 1
                    """);
            latest.Changed(t.FeatureName);
            _ready[t.QualifiedName] = true;
        }
        finally { Ddl.Release(); }
    }

    /// <summary>TABLE, VIEW, or null when no object of the values database has that name.</summary>
    public static string? ObjectType(DuckDbSession c, string schema, string name)
    {
        using var r = c.Query(ValueSql.ObjectType, schema, name);
        return r.Read() ? r.GetString(0) : null;
    }

    private static string[] Expected(ValueTable t) =>
        ["entity_id VARCHAR", "event_ts TIMESTAMP", $"value {ValueSql.ColumnType(t.DataType)}", "feature_version VARCHAR",
            "contract_major INTEGER", "ingested_at TIMESTAMP", "batch_id UUID"];

    public void CreateView(DuckDbSession c, string schema, string view, string sql, IReadOnlyList<UpstreamInput> upstream, CancellationToken ct)
    {
        foreach (var u in upstream) Ensure(c, u.Table);
        var (source, _) = QuerySource(c, sql, upstream, null, null, inlineMajor: true);
        Ddl.Wait(ct);
        try
        {
            c.Execute($"CREATE SCHEMA IF NOT EXISTS {ValueSql.Q(schema)}");
            var existing = ObjectType(c, schema, view);
            if (existing is not null and not "VIEW")
                throw new ConflictException("The view's name is taken.",
                    $"{schema}.{view} is a {existing.ToLowerInvariant()} the registry did not create as this feature's view; it is left as it is.");
            // Binding the view runs no query, but a hostile one can still make binding slow: it gets the same limits.
            SqlLimits.Run(c, options, () =>
                c.Execute($"CREATE OR REPLACE VIEW {ValueSql.Q(schema)}.{ValueSql.Q(view)} AS SELECT entity_id, event_ts, value FROM {source}"), ct);
            _catalog.ViewCreated(c, schema, view);
        }
        finally { Ddl.Release(); }
    }

    /// <summary>
    /// The user's SELECT with each upstream feature bound to a CTE of that feature's current values, so the SQL says
    /// FROM stock_daily_close and reads exactly what a values read of stock_daily_close returns.
    /// </summary>
    public (string Source, List<object?> Args) QuerySource(DuckDbSession c, string sql, IReadOnlyList<UpstreamInput> upstream,
        DateTimeOffset? from, DateTimeOffset? to, bool inlineMajor)
    {
        var args = new List<object?>();
        var ctes = new List<string>();
        foreach (var u in upstream)
        {
            string body;
            if (!Exists(c, u.Table)) body = ValueSql.Empty(u.Table.DataType);
            else if (inlineMajor)
                body = $"SELECT entity_id, event_ts, value FROM {ValueSql.Target(u.Table)} WHERE contract_major = {u.ContractMajor.ToString(CultureInfo.InvariantCulture)} " +
                       $"{ValueSql.NewestIngest}";
            else
            {
                (body, var a) = ValueSql.Current(u.Table, u.ContractMajor, null, null, null, null, withMeta: false);
                args.AddRange(a);
            }
            ctes.Add($"{ValueSql.Q(u.FeatureName)} AS ({body})");
        }
        var where = new List<string>();
        if (from is { } f) { where.Add("CAST(q.event_ts AS TIMESTAMP) >= ?"); args.Add(f); }
        if (to is { } t) { where.Add("CAST(q.event_ts AS TIMESTAMP) < ?"); args.Add(t); }
        var with = ctes.Count > 0 ? "WITH " + string.Join(", ", ctes) + " " : "";
        var filter = where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "";
        // The SQL here is the checked statement as DuckDB printed it back from its parse tree (SqlAnalyzer), on lines of
        // its own so that nothing in it can comment out or close what surrounds it.
        return ($"({with}SELECT q.* FROM (\n{sql}\n) AS q{filter})", args);
    }

    /// <summary>The rows a read sees, or an empty relation of the right types when the feature has no values yet.</summary>
    public (string Relation, List<object?> Args) CurrentOrEmpty(DuckDbSession c, ValueTable table, int major,
        DateTimeOffset? from, DateTimeOffset? to, bool withMeta)
    {
        if (!Exists(c, table)) return (ValueSql.Empty(table.DataType), []);
        return ValueSql.Current(table, major, from, to, null, null, withMeta);
    }
}
