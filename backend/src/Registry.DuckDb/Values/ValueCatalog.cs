using System.Collections.Concurrent;

namespace Registry.DuckDb.Values;

/// <summary>
/// What the values file holds, by name: each table's columns and which names are views. It is read in one catalog scan
/// the first time it is asked and kept current by the DDL of this process, the file's only writer (clients cannot run
/// DDL: ADR 0019). Why: a query of DuckDB's information_schema enumerates every column of every table, so once a file
/// holds hundreds of features each lookup costs 10–40 ms and a restarted owner paid about 60 ms per feature on its
/// first read of it; one scan costs about as much as one lookup (ADR 0046).
/// </summary>
internal sealed class ValueCatalog
{
    /// <summary>A table's columns as "name TYPE", in order; a view has none.</summary>
    public sealed record Relation(bool IsView, IReadOnlyList<string> Columns);

    private const string Scan = """
        SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
        WHERE database_name = current_database() AND NOT internal
          AND (schema_name, table_name) NOT IN (SELECT (schema_name, view_name) FROM duckdb_views() WHERE database_name = current_database())
        ORDER BY schema_name, table_name, column_index
        """;

    private const string Views = "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal";

    private const string TableColumns = "SELECT name, type FROM pragma_table_info(?)";

    private readonly Lock _loading = new();
    private int _scans;
    private volatile ConcurrentDictionary<(string Schema, string Name), Relation>? _relations;

    /// <summary>How many times the whole catalog was read (once per file opened).</summary>
    public int Scans => _scans;

    public Relation? Find(DuckDbSession c, string schema, string name) => Load(c).GetValueOrDefault((schema, name));

    /// <summary>Reads one table's columns again; call after DDL that created or changed it.</summary>
    public void TableChanged(DuckDbSession c, string schema, string name)
    {
        var columns = new List<string>();
        using (var r = c.Query(TableColumns, $"{DuckDbSession.Quote(schema)}.{DuckDbSession.Quote(name)}"))
        {
            while (r.Read()) columns.Add($"{r.GetString(0)} {r.GetString(1)}");
        }
        Load(c)[(schema, name)] = new Relation(false, columns);
    }

    public void ViewCreated(DuckDbSession c, string schema, string name) => Load(c)[(schema, name)] = new Relation(true, []);

    private ConcurrentDictionary<(string, string), Relation> Load(DuckDbSession c)
    {
        if (_relations is { } loaded) return loaded;
        lock (_loading)
        {
            if (_relations is { } again) return again;
            _scans++;
            var relations = new ConcurrentDictionary<(string, string), Relation>();
            var columns = new Dictionary<(string, string), List<string>>();
            using (var r = c.Query(Scan))
            {
                while (r.Read())
                {
                    var key = (r.GetString(0), r.GetString(1));
                    if (!columns.TryGetValue(key, out var list)) columns[key] = list = [];
                    list.Add($"{r.GetString(2)} {r.GetString(3)}");
                }
            }
            foreach (var (key, list) in columns) relations[key] = new Relation(false, list);
            using (var r = c.Query(Views))
            {
                while (r.Read()) relations[(r.GetString(0), r.GetString(1))] = new Relation(true, []);
            }
            _relations = relations;
            return relations;
        }
    }
}
