using System.Diagnostics;
using DuckDB.NET.Data;

namespace Registry.DuckDb;

/// <summary>
/// A pooled DuckDB.NET connection lent to one caller (a connection must not be shared across threads). It adds to
/// <see cref="DuckDBConnection"/> only what every store repeats: commands with positional parameters, the statement
/// metrics, and transaction state that decides whether the connection may go back to the pool.
/// </summary>
public sealed class DuckDbSession : IDisposable
{
    private readonly DuckDbDatabase _database;

    internal DuckDbSession(DuckDBConnection connection, DuckDbDatabase database)
    {
        Connection = connection;
        _database = database;
    }

    public DuckDBConnection Connection { get; }

    public bool InTransaction { get; private set; }

    /// <summary>
    /// A command with <paramref name="args"/> bound to its <c>?</c> placeholders in order, never spliced into the SQL.
    /// A <see cref="DateTimeOffset"/> is bound as its UTC <see cref="DateTime"/>: DuckDB.NET would bind it as
    /// TIMESTAMPTZ, and the stores' columns are TIMESTAMP in UTC.
    /// </summary>
    public DuckDBCommand Command(string sql, params object?[] args)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        foreach (var arg in args) command.Parameters.Add(new DuckDBParameter(arg switch { null => DBNull.Value, DateTimeOffset t => t.UtcDateTime, _ => arg }));
        return command;
    }

    /// <summary>Runs one or more statements; returns the rows changed. Throws <see cref="DuckDBException"/> with DuckDB's message.</summary>
    public int Execute(string sql, params object?[] args)
    {
        using var command = Command(sql, args);
        var start = Stopwatch.GetTimestamp();
        try { return command.ExecuteNonQuery(); }
        finally { DuckDbMetrics.Record(start, DuckDbMetrics.KindOf(sql)); }
    }

    /// <summary>Runs a query; its result is read through the returned reader (dispose it).</summary>
    public DuckDBDataReader Query(string sql, params object?[] args)
    {
        using var command = Command(sql, args);
        var start = Stopwatch.GetTimestamp();
        try { return command.ExecuteReader(); }
        finally { DuckDbMetrics.Record(start, DuckDbMetrics.KindOf(sql)); }
    }

    /// <summary>The first column of the first row, or null.</summary>
    public T? Scalar<T>(string sql, params object?[] args)
    {
        using var r = Query(sql, args);
        return r.Read() && !r.IsDBNull(0) ? r.GetFieldValue<T>(0) : default;
    }

    public void Begin() { Execute("BEGIN TRANSACTION"); InTransaction = true; }

    public void Commit() { Execute("COMMIT"); InTransaction = false; }

    /// <summary>Rolls back if a transaction is open; never throws, since it runs on failure paths.</summary>
    public void Rollback()
    {
        if (!InTransaction) return;
        try { Execute("ROLLBACK"); InTransaction = false; }
        catch (DuckDBException) { /* the connection is closed instead of pooled (InTransaction stays true) */ }
    }

    /// <summary>Cancels the running query from another thread (a request aborted by its client, a time limit).</summary>
    public void Interrupt() => Connection.NativeConnection.Interrupt();

    /// <summary>Returns the session to its pool; closes one that is not pooled.</summary>
    public void Dispose() => _database.Return(this);

    internal void Close() => Connection.Dispose();

    internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A SQL string literal. Only for values DuckDB cannot bind (file paths in COPY and read_csv); never user text.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>Reads the stores' column types as the stores' CLR types: TIMESTAMP columns hold UTC instants.</summary>
public static class DuckDbReaderExtensions
{
    public static DateTimeOffset GetTimestamp(this DuckDBDataReader r, int column) =>
        new(DateTime.SpecifyKind(r.GetDateTime(column), DateTimeKind.Utc));

    public static bool IsNull(this DuckDBDataReader r, int column) => r.IsDBNull(column);

    /// <summary>The value as a CLR object: long, double, bool, string, DateTimeOffset (from TIMESTAMP), or null.</summary>
    public static object? GetValueOrNull(this DuckDBDataReader r, int column)
    {
        if (r.IsDBNull(column)) return null;
        return r.GetValue(column) switch
        {
            DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
            int i => (long)i,
            float f => (double)f,
            var v => v,
        };
    }
}
