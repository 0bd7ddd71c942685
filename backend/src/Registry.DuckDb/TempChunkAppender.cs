using System.Runtime.InteropServices;
using DuckDB.NET.Native;

namespace Registry.DuckDb;

/// <summary>
/// DuckDB's C appender on a TEMP table, fed a data chunk at a time: the writers fill <see cref="Vector"/>s for up to
/// <see cref="Capacity"/> rows, then <see cref="Append"/>. DuckDB refuses a chunk whose column types differ from the
/// table's, so a wrong type is an error, never a silently wrong row (ADR 0023).
/// </summary>
internal sealed partial class TempChunkAppender : IDisposable
{
    /// <summary>DuckDB's STANDARD_VECTOR_SIZE: the rows of one data chunk.</summary>
    public const int Capacity = 2048;

    private readonly DuckDB.NET.Native.DuckDBAppender _appender;
    private readonly DuckDBLogicalType[] _types;
    private readonly IntPtr[] _arrays;
    private readonly DuckDBDataChunk _chunk;
    private readonly string _what;
    private bool _closed;

    /// <summary>
    /// Opens the appender on temp.main.<paramref name="table"/>; <paramref name="what"/> names the rows in errors. With
    /// <paramref name="arraySize"/> &gt; 0 each column is an ARRAY of that many values of its type.
    /// </summary>
    public TempChunkAppender(DuckDbSession c, string table, IReadOnlyList<DuckDBType> columns, string what, int arraySize = 0)
    {
        _what = what;
        if (NativeMethods.Appender.DuckDBAppenderCreateExt(c.Connection.NativeConnection, "temp", "main", table, out _appender) != DuckDBState.Success)
        {
            _appender.Dispose();
            throw new InvalidOperationException($"DuckDB could not open an appender for {what}.");
        }
        _types = [.. columns.Select(NativeMethods.LogicalType.DuckDBCreateLogicalType)];
        // DuckDB.NET binds no constructor of ARRAY types; the C API's own is declared below.
        _arrays = arraySize > 0 ? [.. _types.Select(t => CreateArrayType(t.DangerousGetHandle(), (ulong)arraySize))] : [];
        _chunk = NativeMethods.DataChunks.DuckDBCreateDataChunk(arraySize > 0 ? _arrays : [.. _types.Select(t => t.DangerousGetHandle())], (ulong)_types.Length);
    }

    [LibraryImport("duckdb", EntryPoint = "duckdb_create_array_type")]
    private static partial IntPtr CreateArrayType(IntPtr child, ulong size);

    [LibraryImport("duckdb", EntryPoint = "duckdb_destroy_logical_type")]
    private static partial void DestroyLogicalType(ref IntPtr type);

    /// <summary>The current chunk's vector of a column.</summary>
    public IntPtr Vector(int column) => NativeMethods.DataChunks.DuckDBDataChunkGetVector(_chunk, column);

    /// <summary>Appends the first <paramref name="rows"/> rows of the chunk and starts an empty one.</summary>
    public void Append(int rows)
    {
        NativeMethods.DataChunks.DuckDBDataChunkSetSize(_chunk, (ulong)rows);
        if (NativeMethods.Appender.DuckDBAppendDataChunk(_appender, _chunk) != DuckDBState.Success)
            throw new InvalidOperationException($"DuckDB refused a chunk of {_what}.");
        NativeMethods.DataChunks.DuckDBDataChunkReset(_chunk);
    }

    /// <summary>Flushes and closes: an error here means the rows did not reach the table.</summary>
    public void Close()
    {
        _closed = true;
        if (NativeMethods.Appender.DuckDBAppenderClose(_appender) != DuckDBState.Success)
            throw new InvalidOperationException($"DuckDB could not close the appender for {_what}.");
    }

    /// <summary>Releases the appender; without <see cref="Close"/> first, the rows not yet appended are discarded.</summary>
    public void Dispose()
    {
        if (!_closed) NativeMethods.Appender.DuckDBAppenderClear(_appender);
        _closed = true;
        _appender.Dispose();
        _chunk.Dispose();
        for (var i = 0; i < _arrays.Length; i++) DestroyLogicalType(ref _arrays[i]);
        foreach (var t in _types) t.Dispose();
    }
}
