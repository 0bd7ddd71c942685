using DuckDB.NET.Native;

namespace Registry.DuckDb.Values;

/// <summary>
/// Appends (entity_id VARCHAR, event_ts TIMESTAMP, value DOUBLE or BIGINT) rows to a stage table a data chunk at a
/// time, through DuckDB's C appender: fixed-width values are copied into each vector whole and only the entity text
/// crosses into DuckDB per row. DuckDB.NET's row appender costs several managed calls per value, which made it slower
/// than DuckDB's own CSV reader; this is what lets a CSV body be parsed as it arrives (ADR 0048). DuckDB refuses a
/// chunk whose column types differ from the table's, so a wrong type is an error, never a silently wrong row (ADR 0023).
/// </summary>
internal sealed unsafe class StageChunkWriter : IDisposable
{
    private const int Capacity = TempChunkAppender.Capacity;

    private readonly TempChunkAppender _appender;
    private readonly bool _integer;
    private readonly long[] _instants = new long[Capacity];
    private readonly double[] _doubles;
    private readonly long[] _longs;
    private readonly ulong[] _validity = new ulong[Capacity / 64];
    private bool _anyNull;
    private IntPtr _entityVector;
    private int _row;

    public StageChunkWriter(DuckDbSession c, string stage, bool integer)
    {
        _integer = integer;
        _doubles = integer ? [] : new double[Capacity];
        _longs = integer ? new long[Capacity] : [];
        _appender = new TempChunkAppender(c, stage, [DuckDBType.Varchar, DuckDBType.Timestamp, integer ? DuckDBType.BigInt : DuckDBType.Double],
            $"the stage {stage}");
        Begin();
    }

    public long Rows { get; private set; }

    /// <summary>One row; <paramref name="entity"/> is valid UTF-8 (checked by the caller), a null value is <paramref name="hasValue"/> false.</summary>
    public void Add(ReadOnlySpan<byte> entity, long micros, bool hasValue, double value, long integer)
    {
        fixed (byte* p = entity)
            NativeMethods.Vectors.DuckDBVectorAssignStringElementLength(_entityVector, (ulong)_row, p, entity.Length);
        _instants[_row] = micros;
        if (_integer) _longs[_row] = integer;
        else _doubles[_row] = value;
        if (!hasValue)
        {
            _validity[_row >> 6] &= ~(1UL << (_row & 63));
            _anyNull = true;
        }
        Rows++;
        if (++_row == Capacity) Flush();
    }

    /// <summary>Appends the rows not yet appended and closes the appender: an error here means the rows did not reach the stage.</summary>
    public void Close()
    {
        if (_row > 0) Flush();
        _appender.Close();
    }

    private void Begin()
    {
        _row = 0;
        _anyNull = false;
        Array.Fill(_validity, ulong.MaxValue);
        _entityVector = _appender.Vector(0);
    }

    private void Flush()
    {
        var n = _row;
        _instants.AsSpan(0, n).CopyTo(new Span<long>(NativeMethods.Vectors.DuckDBVectorGetData(_appender.Vector(1)), n));
        var values = _appender.Vector(2);
        if (_integer) _longs.AsSpan(0, n).CopyTo(new Span<long>(NativeMethods.Vectors.DuckDBVectorGetData(values), n));
        else _doubles.AsSpan(0, n).CopyTo(new Span<double>(NativeMethods.Vectors.DuckDBVectorGetData(values), n));
        if (_anyNull)
        {
            NativeMethods.Vectors.DuckDBVectorEnsureValidityWritable(values);
            var mask = NativeMethods.Vectors.DuckDBVectorGetValidity(values);
            _validity.AsSpan(0, (n + 63) >> 6).CopyTo(new Span<ulong>(mask, (n + 63) >> 6));
        }
        _appender.Append(n);
        Begin();
    }

    /// <summary>Releases the appender; without <see cref="Close"/> first, the rows not yet appended are discarded.</summary>
    public void Dispose() => _appender.Dispose();
}
