using System.Text;
using Registry.DuckDb.Interop;

namespace Registry.DuckDb;

/// <summary>
/// Reads a result chunk by chunk (duckdb_fetch_chunk), one row at a time, straight from DuckDB's vectors.
/// Values are valid until the next <see cref="Read"/> that fetches a new chunk.
/// </summary>
public sealed unsafe class DuckDbReader : IDisposable
{
    private readonly ResultHandle _result;
    private readonly DuckDbType[] _types;
    private readonly string[] _names;
    private readonly nint[] _data;
    private readonly ulong*[] _validity;
    private ChunkHandle? _chunk;
    private int _rowsInChunk;
    private int _row = -1;
    private bool _done;

    private DuckDbReader(ResultHandle result)
    {
        _result = result;
        var n = (int)Native.ColumnCount(result.Pointer);
        _types = new DuckDbType[n];
        _names = new string[n];
        for (var i = 0; i < n; i++)
        {
            _types[i] = (DuckDbType)Native.ColumnType(result.Pointer, (ulong)i);
            _names[i] = Native.Utf8(Native.ColumnName(result.Pointer, (ulong)i)) ?? "";
        }
        _data = new nint[n];
        _validity = new ulong*[n];
        RowsChanged = (long)Native.RowsChanged(result.Pointer);
    }

    internal static DuckDbReader Open(ResultHandle result, int state)
    {
        if (state != Native.Success)
        {
            var message = Native.Utf8(Native.ResultError(result.Pointer)) ?? "unknown DuckDB error";
            result.Dispose();
            throw new DuckDbException(message);
        }
        return new DuckDbReader(result);
    }

    public int FieldCount => _types.Length;

    public long RowsChanged { get; }

    public string GetName(int column) => _names[column];

    public DuckDbType GetColumnType(int column) => _types[column];

    public bool Read()
    {
        if (_done) return false;
        if (++_row < _rowsInChunk) return true;
        return NextChunk();
    }

    private bool NextChunk()
    {
        _chunk?.Dispose();
        _chunk = null;
        while (true)
        {
            var raw = Native.FetchChunk(*_result.Pointer);
            if (raw == 0) { _done = true; return false; }
            var chunk = new ChunkHandle(_result);
            chunk.Set(raw);
            var size = (int)Native.ChunkSize(raw);
            if (size == 0) { chunk.Dispose(); continue; }
            _chunk = chunk;
            for (var i = 0; i < _types.Length; i++)
            {
                var vector = Native.ChunkVector(raw, (ulong)i);
                _data[i] = Native.VectorData(vector);
                _validity[i] = Native.VectorValidity(vector);
            }
            _rowsInChunk = size;
            _row = 0;
            return true;
        }
    }

    public bool IsNull(int column)
    {
        var mask = _validity[column];
        return mask != null && (mask[_row >> 6] & (1UL << (_row & 63))) == 0;
    }

    public long GetInt64(int column)
    {
        var p = _data[column];
        return _types[column] switch
        {
            DuckDbType.BigInt or DuckDbType.Timestamp or DuckDbType.TimestampTz => ((long*)p)[_row],
            DuckDbType.Integer or DuckDbType.Date => ((int*)p)[_row],
            DuckDbType.SmallInt => ((short*)p)[_row],
            DuckDbType.TinyInt => ((sbyte*)p)[_row],
            DuckDbType.UBigInt => checked((long)((ulong*)p)[_row]),
            DuckDbType.UInteger => ((uint*)p)[_row],
            DuckDbType.USmallInt => ((ushort*)p)[_row],
            DuckDbType.UTinyInt => ((byte*)p)[_row],
            DuckDbType.HugeInt => checked((long)((Int128*)p)[_row]),
            DuckDbType.Boolean => ((byte*)p)[_row],
            _ => throw Unsupported(column, "an integer"),
        };
    }

    public double GetDouble(int column)
    {
        var p = _data[column];
        return _types[column] switch
        {
            DuckDbType.Double => ((double*)p)[_row],
            DuckDbType.Float => ((float*)p)[_row],
            DuckDbType.HugeInt => (double)((Int128*)p)[_row],
            _ => GetInt64(column),
        };
    }

    public bool GetBoolean(int column) =>
        _types[column] == DuckDbType.Boolean ? ((byte*)_data[column])[_row] != 0 : throw Unsupported(column, "a boolean");

    /// <summary>A TIMESTAMP (UTC by convention here) or TIMESTAMPTZ as microseconds since the epoch.</summary>
    public long GetTimestampMicros(int column)
    {
        var v = ((long*)_data[column])[_row];
        return _types[column] switch
        {
            DuckDbType.Timestamp or DuckDbType.TimestampTz => v,
            DuckDbType.TimestampMs => v * 1000,
            DuckDbType.TimestampS => v * 1_000_000,
            DuckDbType.TimestampNs => v / 1000,
            _ => throw Unsupported(column, "a timestamp"),
        };
    }

    public DateTimeOffset GetTimestamp(int column) => Timestamps.FromMicros(GetTimestampMicros(column));

    /// <summary>The UTF-8 bytes of a VARCHAR, without copying (valid until the next chunk).</summary>
    public ReadOnlySpan<byte> GetUtf8(int column)
    {
        if (_types[column] is not (DuckDbType.Varchar or DuckDbType.Blob)) throw Unsupported(column, "text");
        // duckdb_string_t: uint32 length, then up to 12 inlined bytes, or a 4-byte prefix and a pointer.
        var s = (byte*)_data[column] + _row * 16;
        var length = *(uint*)s;
        return length <= 12 ? new ReadOnlySpan<byte>(s + 4, (int)length) : new ReadOnlySpan<byte>(*(byte**)(s + 8), (int)length);
    }

    public string GetString(int column) => Encoding.UTF8.GetString(GetUtf8(column));

    /// <summary>The value as a CLR object: long, double, bool, string, DateTimeOffset, or null.</summary>
    public object? GetValue(int column)
    {
        if (IsNull(column)) return null;
        return _types[column] switch
        {
            DuckDbType.Boolean => GetBoolean(column),
            DuckDbType.Float or DuckDbType.Double => GetDouble(column),
            DuckDbType.Varchar or DuckDbType.Blob => GetString(column),
            DuckDbType.Timestamp or DuckDbType.TimestampTz or DuckDbType.TimestampMs or DuckDbType.TimestampS or DuckDbType.TimestampNs
                => GetTimestamp(column),
            _ => GetInt64(column),
        };
    }

    private DuckDbException Unsupported(int column, string wanted) =>
        new($"Column '{_names[column]}' is {_types[column]}, not {wanted}; cast it in SQL.");

    public void Dispose()
    {
        _chunk?.Dispose();
        _result.Dispose();
    }
}
