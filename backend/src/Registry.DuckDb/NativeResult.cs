using System.Text;
using DuckDB.NET.Native;

namespace Registry.DuckDb;

/// <summary>
/// A query's result read a data chunk at a time through DuckDB's C API: fixed-width columns come back as spans over
/// DuckDB's own vectors. DuckDB.NET's reader costs several managed calls per value, which made reading the 11 M value
/// rows of a wide training set slower than the join it feeds (ADR 0057). Parameters are BIGINTs bound by position, never
/// spliced into the SQL. Spans are valid until the next <see cref="Next"/> or <see cref="Dispose"/>.
/// </summary>
internal sealed unsafe class NativeResult : IDisposable
{
    private DuckDBResult _result;
    private DuckDBDataChunk? _chunk;
    private bool _open;

    private NativeResult() { }

    /// <summary>The rows of the current chunk.</summary>
    public int Size { get; private set; }

    /// <summary>
    /// Runs <paramref name="sql"/> with <paramref name="args"/> bound to its <c>?</c> placeholders. A failure is the
    /// store's outage (503) when DuckDB says its file failed, a cancellation when <paramref name="ct"/> asked for it
    /// (the caller wires it to the connection's interrupt), and otherwise an error with DuckDB's message.
    /// </summary>
    public static NativeResult Run(DuckDbSession s, string sql, CancellationToken ct, params long[] args)
    {
        var native = s.Connection.NativeConnection;
        if (NativeMethods.PreparedStatements.DuckDBPrepare(native, sql, out var statement) != DuckDBState.Success)
        {
            var error = NativeMethods.PreparedStatements.DuckDBPrepareError(statement);
            statement.Dispose();
            throw Failure(error, DuckDBErrorType.Invalid, ct);
        }
        var result = new NativeResult();
        try
        {
            for (var i = 0; i < args.Length; i++)
                if (NativeMethods.PreparedStatements.DuckDBBindInt64(statement, i + 1, args[i]) != DuckDBState.Success)
                    throw new InvalidOperationException($"DuckDB refused parameter {i + 1} of a query.");
            var state = NativeMethods.PreparedStatements.DuckDBExecutePrepared(statement, out result._result);
            result._open = true;
            if (state != DuckDBState.Success)
                throw Failure(NativeMethods.Query.DuckDBResultError(ref result._result), NativeMethods.Query.DuckDBResultErrorType(ref result._result), ct);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
        finally { statement.Dispose(); }
    }

    /// <summary>Moves to the next chunk; false at the end.</summary>
    public bool Next()
    {
        _chunk?.Dispose();
        _chunk = NativeMethods.Query.DuckDBFetchChunk(_result);
        Size = _chunk.IsInvalid ? 0 : (int)NativeMethods.DataChunks.DuckDBDataChunkGetSize(_chunk);
        return Size > 0;
    }

    public ReadOnlySpan<long> Int64(int column) => new(Data(column), Size);

    public ReadOnlySpan<int> Int32(int column) => new(Data(column), Size);

    public ReadOnlySpan<double> Double(int column) => new(Data(column), Size);

    /// <summary>A BOOLEAN column: one byte per row, 0 or 1.</summary>
    public ReadOnlySpan<byte> Boolean(int column) => new(Data(column), Size);

    /// <summary>DuckDB's validity words for the column (bit r of word r/64 set when row r is not NULL), or empty when no row is NULL.</summary>
    public ReadOnlySpan<ulong> Validity(int column)
    {
        var mask = NativeMethods.Vectors.DuckDBVectorGetValidity(Vector(column));
        return mask is null ? [] : new ReadOnlySpan<ulong>(mask, (Size + 63) >> 6);
    }

    /// <summary>A VARCHAR cell as a .NET string (the caller checks NULL through <see cref="Validity"/>).</summary>
    public string Varchar(int column, int row)
    {
        var cell = ((DuckDBString*)Data(column))[row];
        return Encoding.UTF8.GetString((byte*)cell.Data, cell.Length);
    }

    public static bool IsValid(ReadOnlySpan<ulong> validity, int row) => validity.IsEmpty || (validity[row >> 6] & (1UL << (row & 63))) != 0;

    private IntPtr Vector(int column) => NativeMethods.DataChunks.DuckDBDataChunkGetVector(_chunk!, column);

    private void* Data(int column) => NativeMethods.Vectors.DuckDBVectorGetData(Vector(column));

    private static Exception Failure(string message, DuckDBErrorType type, CancellationToken ct)
    {
        if (DuckDbFaults.IsOutage(type, message)) return DuckDbFaults.Translate(new InvalidOperationException(message));
        if (ct.IsCancellationRequested) return new OperationCanceledException(ct);
        return new InvalidOperationException($"DuckDB: {message}");
    }

    public void Dispose()
    {
        _chunk?.Dispose();
        _chunk = null;
        if (_open) NativeMethods.Query.DuckDBDestroyResult(ref _result);
        _open = false;
    }
}
