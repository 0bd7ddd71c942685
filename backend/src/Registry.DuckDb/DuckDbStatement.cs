using System.Text;
using Registry.DuckDb.Interop;

namespace Registry.DuckDb;

/// <summary>A prepared statement. Parameters are bound by position, starting at 1, never spliced into SQL.</summary>
public sealed unsafe class DuckDbStatement : IDisposable
{
    private readonly StatementHandle _handle;
    private readonly DuckDbConnection _connection;
    private readonly string _kind;

    internal DuckDbStatement(StatementHandle handle, DuckDbConnection connection, string kind)
    {
        _handle = handle;
        _connection = connection;
        _kind = kind;
    }

    private nint Raw => _handle.DangerousGetHandle();

    public int ParameterCount => (int)Native.ParameterCount(Raw);

    internal void ClearBindings() => Native.ClearBindings(Raw);

    /// <summary>Binds parameter <paramref name="index"/> (1-based): string, long, int, double, bool, DateTime (UTC), DateTimeOffset or null.</summary>
    public DuckDbStatement Bind(int index, object? value)
    {
        var i = (ulong)index;
        var state = value switch
        {
            null => Native.BindNull(Raw, i),
            string s => BindString(i, s),
            long l => Native.BindInt64(Raw, i, l),
            int n => Native.BindInt64(Raw, i, n),
            double d => Native.BindDouble(Raw, i, d),
            bool b => Native.BindBoolean(Raw, i, b ? (byte)1 : (byte)0),
            DateTimeOffset t => Native.BindTimestamp(Raw, i, Timestamps.ToMicros(t)),
            DateTime t => Native.BindTimestamp(Raw, i, Timestamps.ToMicros(t)),
            _ => throw new ArgumentException($"Cannot bind a {value.GetType().Name} to DuckDB.", nameof(value)),
        };
        if (state != Native.Success) throw new DuckDbException($"Cannot bind parameter {index}: {Native.Utf8(Native.PrepareError(Raw))}");
        return this;
    }

    public DuckDbStatement BindAll(params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) Bind(i + 1, values[i]);
        return this;
    }

    private int BindString(ulong index, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        fixed (byte* p = bytes) return Native.BindVarchar(Raw, index, p, (ulong)bytes.Length);
    }

    public DuckDbReader ExecuteReader()
    {
        var result = new ResultHandle(_handle);
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var state = Native.ExecutePrepared(Raw, result.Pointer);
        DuckDbMetrics.Record(start, _kind);
        return DuckDbReader.Open(result, state);
    }

    public long ExecuteNonQuery()
    {
        using var reader = ExecuteReader();
        return reader.RowsChanged;
    }

    public DuckDbConnection Connection => _connection;

    public void Dispose() => _handle.Dispose();
}

/// <summary>
/// The appender: DuckDB's fastest way in. Each row is values then <see cref="EndRow"/>; rows reach the table
/// on <see cref="Flush"/> or <see cref="Dispose"/>, inside the connection's transaction.
/// </summary>
public sealed unsafe class DuckDbAppender : IDisposable
{
    private readonly AppenderHandle _handle;

    internal DuckDbAppender(AppenderHandle handle) => _handle = handle;

    private nint Raw => _handle.DangerousGetHandle();

    public void Append(string? value)
    {
        if (value is null) { AppendNull(); return; }
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 512)
        {
            Span<byte> buffer = stackalloc byte[max];
            var n = Encoding.UTF8.GetBytes(value, buffer);
            fixed (byte* p = buffer) Check(Native.AppendVarchar(Raw, p, (ulong)n));
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        fixed (byte* p = bytes) Check(Native.AppendVarchar(Raw, p, (ulong)bytes.Length));
    }

    public void AppendUtf8(ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value) Check(Native.AppendVarchar(Raw, p, (ulong)value.Length));
    }

    public void Append(long value) => Check(Native.AppendInt64(Raw, value));

    public void Append(double value) => Check(Native.AppendDouble(Raw, value));

    public void Append(bool value) => Check(Native.AppendBool(Raw, value ? (byte)1 : (byte)0));

    public void AppendTimestampMicros(long micros) => Check(Native.AppendTimestamp(Raw, micros));

    public void AppendNull() => Check(Native.AppendNull(Raw));

    public void EndRow() => Check(Native.AppenderEndRow(Raw));

    public void Flush() => Check(Native.AppenderFlush(Raw));

    private void Check(int state)
    {
        if (state != Native.Success) throw new DuckDbException(Native.Utf8(Native.AppenderError(Raw)) ?? "append failed");
    }

    /// <summary>Flushes and closes: an error here means the rows did not reach the table.</summary>
    public void Close() => Check(Native.AppenderClose(Raw));

    public void Dispose() => _handle.Dispose();
}

/// <summary>Timestamps are int64 microseconds since the Unix epoch, UTC.</summary>
public static class Timestamps
{
    public static long ToMicros(DateTimeOffset t) => (t.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;

    public static long ToMicros(DateTime t) =>
        ((t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t).Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public static DateTimeOffset FromMicros(long micros) => new(DateTime.UnixEpoch.Ticks + micros * 10, TimeSpan.Zero);
}
