using System.Runtime.InteropServices;

namespace Registry.DuckDb.Interop;

/// <summary>
/// The slice of the DuckDB C API (libduckdb 1.5) the registry uses. Handles are raw pointers here;
/// Handles.cs wraps each in a SafeHandle so that nothing leaks and children outlive no parent.
/// </summary>
internal static unsafe partial class Native
{
    private const string Lib = "duckdb";

    public const int Success = 0;

    /// <summary>duckdb_result is 48 bytes, allocated by the caller and passed by value to duckdb_fetch_chunk.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 48)]
    public struct Result
    {
        private readonly long _a, _b, _c, _d, _e, _f;
    }

    [LibraryImport(Lib, EntryPoint = "duckdb_library_version")]
    public static partial nint LibraryVersion();

    [LibraryImport(Lib, EntryPoint = "duckdb_create_config")]
    public static partial int CreateConfig(out nint config);

    [LibraryImport(Lib, EntryPoint = "duckdb_set_config", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetConfig(nint config, string name, string option);

    [LibraryImport(Lib, EntryPoint = "duckdb_destroy_config")]
    public static partial void DestroyConfig(ref nint config);

    [LibraryImport(Lib, EntryPoint = "duckdb_open_ext", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenExt(string path, out nint database, nint config, out nint error);

    [LibraryImport(Lib, EntryPoint = "duckdb_free")]
    public static partial void Free(nint ptr);

    [LibraryImport(Lib, EntryPoint = "duckdb_close")]
    public static partial void Close(ref nint database);

    [LibraryImport(Lib, EntryPoint = "duckdb_connect")]
    public static partial int Connect(nint database, out nint connection);

    [LibraryImport(Lib, EntryPoint = "duckdb_disconnect")]
    public static partial void Disconnect(ref nint connection);

    [LibraryImport(Lib, EntryPoint = "duckdb_interrupt")]
    public static partial void Interrupt(nint connection);

    [LibraryImport(Lib, EntryPoint = "duckdb_query")]
    public static partial int Query(nint connection, byte* sql, Result* result);

    [LibraryImport(Lib, EntryPoint = "duckdb_destroy_result")]
    public static partial void DestroyResult(Result* result);

    [LibraryImport(Lib, EntryPoint = "duckdb_result_error")]
    public static partial nint ResultError(Result* result);

    [LibraryImport(Lib, EntryPoint = "duckdb_column_count")]
    public static partial ulong ColumnCount(Result* result);

    [LibraryImport(Lib, EntryPoint = "duckdb_column_name")]
    public static partial nint ColumnName(Result* result, ulong column);

    [LibraryImport(Lib, EntryPoint = "duckdb_column_type")]
    public static partial int ColumnType(Result* result, ulong column);

    [LibraryImport(Lib, EntryPoint = "duckdb_rows_changed")]
    public static partial ulong RowsChanged(Result* result);

    [LibraryImport(Lib, EntryPoint = "duckdb_fetch_chunk")]
    public static partial nint FetchChunk(Result result);

    [LibraryImport(Lib, EntryPoint = "duckdb_data_chunk_get_size")]
    public static partial ulong ChunkSize(nint chunk);

    [LibraryImport(Lib, EntryPoint = "duckdb_data_chunk_get_vector")]
    public static partial nint ChunkVector(nint chunk, ulong column);

    [LibraryImport(Lib, EntryPoint = "duckdb_vector_get_data")]
    public static partial nint VectorData(nint vector);

    [LibraryImport(Lib, EntryPoint = "duckdb_vector_get_validity")]
    public static partial ulong* VectorValidity(nint vector);

    [LibraryImport(Lib, EntryPoint = "duckdb_destroy_data_chunk")]
    public static partial void DestroyChunk(ref nint chunk);

    [LibraryImport(Lib, EntryPoint = "duckdb_prepare")]
    public static partial int Prepare(nint connection, byte* sql, out nint statement);

    [LibraryImport(Lib, EntryPoint = "duckdb_prepare_error")]
    public static partial nint PrepareError(nint statement);

    [LibraryImport(Lib, EntryPoint = "duckdb_destroy_prepare")]
    public static partial void DestroyPrepare(ref nint statement);

    [LibraryImport(Lib, EntryPoint = "duckdb_nparams")]
    public static partial ulong ParameterCount(nint statement);

    [LibraryImport(Lib, EntryPoint = "duckdb_clear_bindings")]
    public static partial int ClearBindings(nint statement);

    [LibraryImport(Lib, EntryPoint = "duckdb_bind_varchar_length")]
    public static partial int BindVarchar(nint statement, ulong index, byte* value, ulong length);

    [LibraryImport(Lib, EntryPoint = "duckdb_bind_int64")]
    public static partial int BindInt64(nint statement, ulong index, long value);

    [LibraryImport(Lib, EntryPoint = "duckdb_bind_double")]
    public static partial int BindDouble(nint statement, ulong index, double value);

    [LibraryImport(Lib, EntryPoint = "duckdb_bind_boolean")]
    public static partial int BindBoolean(nint statement, ulong index, byte value);

    /// <summary>duckdb_timestamp is a struct holding one int64 (microseconds), passed like an int64.</summary>
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_timestamp")]
    public static partial int BindTimestamp(nint statement, ulong index, long micros);

    [LibraryImport(Lib, EntryPoint = "duckdb_bind_null")]
    public static partial int BindNull(nint statement, ulong index);

    [LibraryImport(Lib, EntryPoint = "duckdb_execute_prepared")]
    public static partial int ExecutePrepared(nint statement, Result* result);

    [LibraryImport(Lib, EntryPoint = "duckdb_appender_create_ext", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int AppenderCreate(nint connection, string? catalog, string? schema, string table, out nint appender);

    [LibraryImport(Lib, EntryPoint = "duckdb_appender_error")]
    public static partial nint AppenderError(nint appender);

    [LibraryImport(Lib, EntryPoint = "duckdb_appender_flush")]
    public static partial int AppenderFlush(nint appender);

    [LibraryImport(Lib, EntryPoint = "duckdb_appender_close")]
    public static partial int AppenderClose(nint appender);

    [LibraryImport(Lib, EntryPoint = "duckdb_appender_destroy")]
    public static partial int AppenderDestroy(ref nint appender);

    [LibraryImport(Lib, EntryPoint = "duckdb_appender_end_row")]
    public static partial int AppenderEndRow(nint appender);

    [LibraryImport(Lib, EntryPoint = "duckdb_append_bool")]
    public static partial int AppendBool(nint appender, byte value);

    [LibraryImport(Lib, EntryPoint = "duckdb_append_int64")]
    public static partial int AppendInt64(nint appender, long value);

    [LibraryImport(Lib, EntryPoint = "duckdb_append_double")]
    public static partial int AppendDouble(nint appender, double value);

    [LibraryImport(Lib, EntryPoint = "duckdb_append_varchar_length")]
    public static partial int AppendVarchar(nint appender, byte* value, ulong length);

    [LibraryImport(Lib, EntryPoint = "duckdb_append_timestamp")]
    public static partial int AppendTimestamp(nint appender, long micros);

    [LibraryImport(Lib, EntryPoint = "duckdb_append_null")]
    public static partial int AppendNull(nint appender);

    public static string? Utf8(nint ptr) => ptr == 0 ? null : Marshal.PtrToStringUTF8(ptr);
}

/// <summary>duckdb_type values (duckdb.h).</summary>
public enum DuckDbType
{
    Invalid = 0, Boolean = 1, TinyInt = 2, SmallInt = 3, Integer = 4, BigInt = 5, UTinyInt = 6, USmallInt = 7,
    UInteger = 8, UBigInt = 9, Float = 10, Double = 11, Timestamp = 12, Date = 13, Time = 14, Interval = 15,
    HugeInt = 16, Varchar = 17, Blob = 18, Decimal = 19, TimestampS = 20, TimestampMs = 21, TimestampNs = 22,
    Enum = 23, List = 24, Struct = 25, Map = 26, Uuid = 27, Union = 28, Bit = 29, TimeTz = 30, TimestampTz = 31,
    UHugeInt = 32,
}
