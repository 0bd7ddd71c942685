using System.Text;
using Registry.DuckDb.Interop;

namespace Registry.DuckDb;

/// <summary>
/// A DuckDB connection. Not thread-safe: one caller at a time, which the pool guarantees.
/// Prepared statements are cached per connection by their SQL text.
/// </summary>
public sealed unsafe class DuckDbConnection : IDisposable
{
    private readonly ConnectionHandle _handle;
    private readonly DuckDbDatabase _database;
    private readonly Dictionary<string, DuckDbStatement> _statements = new(StringComparer.Ordinal);

    internal DuckDbConnection(ConnectionHandle handle, DuckDbDatabase database)
    {
        _handle = handle;
        _database = database;
    }

    internal ConnectionHandle Handle => _handle;

    public bool InTransaction { get; private set; }

    /// <summary>Runs one or more statements; throws <see cref="DuckDbException"/> with DuckDB's message on failure.</summary>
    public long Execute(string sql)
    {
        using var reader = Query(sql);
        return reader.RowsChanged;
    }

    public DuckDbReader Query(string sql)
    {
        var result = new ResultHandle(_handle);
        var bytes = DuckDbDatabase.Utf8Z(sql);
        int state;
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        fixed (byte* p = bytes) state = Native.Query(_handle.DangerousGetHandle(), p, result.Pointer);
        DuckDbMetrics.Record(start, DuckDbMetrics.KindOf(sql));
        return DuckDbReader.Open(result, state);
    }

    /// <summary>A statement prepared once per connection and reused; its bindings are cleared on each use.</summary>
    public DuckDbStatement Prepared(string sql)
    {
        if (_statements.TryGetValue(sql, out var cached))
        {
            cached.ClearBindings();
            return cached;
        }
        var statement = Prepare(sql);
        _statements[sql] = statement;
        return statement;
    }

    public DuckDbStatement Prepare(string sql)
    {
        var handle = new StatementHandle(_handle);
        var bytes = DuckDbDatabase.Utf8Z(sql);
        int state;
        nint raw;
        fixed (byte* p = bytes) state = Native.Prepare(_handle.DangerousGetHandle(), p, out raw);
        handle.Set(raw);
        if (state != Native.Success)
        {
            var message = Native.Utf8(Native.PrepareError(raw)) ?? "unknown error";
            handle.Dispose();
            throw new DuckDbException(message);
        }
        return new DuckDbStatement(handle, this, DuckDbMetrics.KindOf(sql));
    }

    public DuckDbAppender CreateAppender(string? catalog, string? schema, string table)
    {
        var handle = new AppenderHandle(_handle);
        var state = Native.AppenderCreate(_handle.DangerousGetHandle(), catalog, schema, table, out var raw);
        handle.Set(raw);
        if (state != Native.Success)
        {
            var message = Native.Utf8(Native.AppenderError(raw)) ?? $"cannot append to {table}";
            handle.Dispose();
            throw new DuckDbException(message);
        }
        return new DuckDbAppender(handle);
    }

    public void Begin() { Execute("BEGIN TRANSACTION"); InTransaction = true; }

    public void Commit() { Execute("COMMIT"); InTransaction = false; }

    /// <summary>Rolls back if a transaction is open; never throws, since it runs on failure paths.</summary>
    public void Rollback()
    {
        if (!InTransaction) return;
        try { Execute("ROLLBACK"); InTransaction = false; }
        catch (DuckDbException) { /* the connection is closed instead of pooled (InTransaction stays true) */ }
    }

    /// <summary>Cancels the running query from another thread (a request aborted by its client).</summary>
    public void Interrupt() => Native.Interrupt(_handle.DangerousGetHandle());

    /// <summary>Returns a pooled connection to its pool; closes one that is not pooled.</summary>
    public void Dispose() => _database.Return(this);

    internal void Close()
    {
        foreach (var s in _statements.Values) s.Dispose();
        _statements.Clear();
        _handle.Dispose();
    }

    internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A SQL string literal. Only for values DuckDB cannot bind (file paths in COPY and read_csv); never user text.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    internal static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
