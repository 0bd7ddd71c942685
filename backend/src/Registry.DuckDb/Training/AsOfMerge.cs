using DuckDB.NET.Native;
using Registry.Core.Features;

namespace Registry.DuckDb.Training;

/// <summary>
/// The labels of one join, by entity: each entity's labels in time order, so a feature's rows of that entity are
/// walked once for all of them. Entities are numbered 0..Entities-1 by the session's entity table.
/// </summary>
internal sealed class LabelIndex
{
    private LabelIndex(int[] code, long[] micros, int entities)
    {
        Code = code;
        Micros = micros;
        Entities = entities;
        // Counting sort by entity (row order kept), then each entity's labels by time.
        EntityStart = new int[entities + 1];
        foreach (var e in code) EntityStart[e + 1]++;
        for (var e = 0; e < entities; e++) EntityStart[e + 1] += EntityStart[e];
        ByEntity = new int[code.Length];
        var next = (int[])EntityStart.Clone();
        for (var i = 0; i < code.Length; i++) ByEntity[next[code[i]]++] = i;
        var keys = new long[code.Length];
        for (var i = 0; i < keys.Length; i++) keys[i] = micros[ByEntity[i]];
        for (var e = 0; e < entities; e++) Array.Sort(keys, ByEntity, EntityStart[e], EntityStart[e + 1] - EntityStart[e]);
    }

    public int Count => Code.Length;
    public int Entities { get; }
    /// <summary>Per label row: its entity's number and its instant in microseconds since the epoch.</summary>
    public int[] Code { get; }
    public long[] Micros { get; }
    /// <summary>Label rows grouped by entity (<see cref="EntityStart"/>[e] to [e+1]), each group in time order.</summary>
    public int[] ByEntity { get; }
    public int[] EntityStart { get; }

    /// <summary>Reads (entity number INTEGER, epoch microseconds BIGINT) per label, in row_no order.</summary>
    public static LabelIndex Read(DuckDbSession c, string sql, int count, int entities, CancellationToken ct)
    {
        var code = new int[count];
        var micros = new long[count];
        var n = 0;
        using (var r = NativeResult.Run(c, sql, ct))
            while (r.Next())
            {
                if (n + r.Size > count) throw new InvalidOperationException("The labels changed while they were read.");
                r.Int32(0).CopyTo(code.AsSpan(n));
                r.Int64(1).CopyTo(micros.AsSpan(n));
                n += r.Size;
            }
        if (n != count) throw new InvalidOperationException($"Read {n} labels of {count}.");
        return new LabelIndex(code, micros, entities);
    }
}

/// <summary>
/// One group's stored rows in memory, bucketed by (feature position k, entity) and, within a bucket, in (event time,
/// ingest time) order: the last row at or before a label's time is then the one a read returns at that event time (its
/// newest ingest), which is what the grouped ASOF join of ADR 0043 picks. Buffers grow and are reused across groups.
/// </summary>
internal sealed class GroupRows
{
    private long[] _key = [];
    private long[] _micros = [];
    private long[] _ingested = [];
    private long[] _fixed = [];
    private string?[] _text = [];
    private bool[] _null = [];
    private int[] _order = [];
    private int[] _start = [];
    private readonly Comparer<int> _byTime;

    public GroupRows() => _byTime = Comparer<int>.Create((a, b) =>
        _micros[a] != _micros[b] ? _micros[a].CompareTo(_micros[b]) : _ingested[a].CompareTo(_ingested[b]));

    public int Count { get; private set; }
    public DataType Type { get; private set; }

    /// <summary>
    /// Reads (k * entities + entity BIGINT, event epoch_us BIGINT, ingested epoch_us BIGINT, value) rows, then buckets
    /// them for <paramref name="features"/> × <paramref name="entities"/> keys.
    /// </summary>
    public void Read(NativeResult r, DataType type, int features, int entities)
    {
        Array.Clear(_text, 0, Math.Min(Count, _text.Length)); // the last group's strings
        Type = type;
        Count = 0;
        while (r.Next())
        {
            var size = r.Size;
            Reserve(Count + size);
            r.Int64(0).CopyTo(_key.AsSpan(Count));
            r.Int64(1).CopyTo(_micros.AsSpan(Count));
            r.Int64(2).CopyTo(_ingested.AsSpan(Count));
            var validity = r.Validity(3);
            for (var i = 0; i < size; i++) _null[Count + i] = !NativeResult.IsValid(validity, i);
            switch (type)
            {
                case DataType.Float or DataType.Integer or DataType.Timestamp:
                    // DOUBLE, BIGINT and TIMESTAMP are 8 bytes each: kept as their bits, written back the same way.
                    r.Int64(3).CopyTo(_fixed.AsSpan(Count));
                    break;
                case DataType.Boolean:
                    var bytes = r.Boolean(3);
                    for (var i = 0; i < size; i++) _fixed[Count + i] = bytes[i];
                    break;
                case DataType.String:
                    for (var i = 0; i < size; i++) _text[Count + i] = _null[Count + i] ? null : r.Varchar(3, i);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(type));
            }
            Count += size;
        }
        Arrange(features * entities);
    }

    /// <summary>Rows of bucket b (k * entities + entity) are <c>Order[Start[b]..Start[b+1]]</c>.</summary>
    public ReadOnlySpan<int> Order => _order.AsSpan(0, Count);
    public ReadOnlySpan<int> Start => _start;
    public long Micros(int row) => _micros[row];
    public bool IsNull(int row) => _null[row];
    public long Fixed(int row) => _fixed[row];
    public string? Text(int row) => _text[row];

    private void Arrange(int buckets)
    {
        // A counting sort on the bucket key (a few thousand keys), then a check, and rarely a sort, of each small bucket.
        if (_start.Length != buckets + 1) _start = new int[buckets + 1];
        else Array.Clear(_start);
        for (var i = 0; i < Count; i++) _start[_key[i] + 1]++;
        for (var b = 0; b < buckets; b++) _start[b + 1] += _start[b];
        var next = _start[..^1];
        for (var i = 0; i < Count; i++) _order[next[_key[i]]++] = i;
        for (var b = 0; b < buckets; b++)
        {
            int lo = _start[b], hi = _start[b + 1];
            for (var i = lo + 1; i < hi; i++)
            {
                if (_byTime.Compare(_order[i - 1], _order[i]) <= 0) continue;
                Array.Sort(_order, lo, hi - lo, _byTime);
                break;
            }
        }
    }

    private void Reserve(int n)
    {
        var size = Math.Max(n, Math.Max(1 << 14, _key.Length * 2));
        if (n > _key.Length)
        {
            Array.Resize(ref _key, size);
            Array.Resize(ref _micros, size);
            Array.Resize(ref _ingested, size);
            Array.Resize(ref _null, size);
            Array.Resize(ref _order, size);
        }
        // Only the value array of this group's type is kept: a group of strings needs no fixed values and the reverse.
        if (Type == DataType.String && n > _text.Length) Array.Resize(ref _text, _key.Length);
        if (Type != DataType.String && n > _fixed.Length) Array.Resize(ref _fixed, _key.Length);
    }

    /// <summary>
    /// For feature position <paramref name="k"/>: per label row, the row a point-in-time read returns (the latest event
    /// time at or before the label's, its newest ingest), or -1 when there is none or it is older than
    /// <paramref name="stalenessMicros"/>. A match whose value is NULL stays a match: the newest row said NULL.
    /// </summary>
    public void Match(LabelIndex labels, int k, long? stalenessMicros, Span<int> match)
    {
        var order = Order;
        for (var e = 0; e < labels.Entities; e++)
        {
            var bucket = k * labels.Entities + e;
            int q = _start[bucket], end = _start[bucket + 1], best = -1;
            for (var j = labels.EntityStart[e]; j < labels.EntityStart[e + 1]; j++)
            {
                var label = labels.ByEntity[j];
                var at = labels.Micros[label];
                while (q < end && _micros[order[q]] <= at) best = order[q++];
                match[label] = best >= 0 && (stalenessMicros is not { } limit || at - _micros[best] <= limit) ? best : -1;
            }
        }
    }
}

/// <summary>
/// Appends a group's values (one data type) to its TEMP table a data chunk at a time through DuckDB's C appender, as one
/// ARRAY column of the group's features, each value copied from the matched row. One array instead of a column per
/// feature: past 2,048 rows DuckDB gives each column of a TEMP table a 256 KiB block for its values and another for its
/// validity, so the Feast #3003 shape's 1,000 columns of 17,000 rows held 518 MiB; as 40 arrays, 151 MiB.
/// </summary>
internal sealed unsafe class GroupColumnsWriter(DuckDbSession c, string table, DataType type, int columns) : IDisposable
{
    public const int Capacity = TempChunkAppender.Capacity;

    private readonly TempChunkAppender _appender = new(c, table, [type switch
    {
        DataType.Float => DuckDBType.Double,
        DataType.Integer => DuckDBType.BigInt,
        DataType.String => DuckDBType.Varchar,
        DataType.Boolean => DuckDBType.Boolean,
        DataType.Timestamp => DuckDBType.Timestamp,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    }], "a training set's values", arraySize: columns);

    /// <summary>The table's one column: <c>a {type}[columns]</c>, element k + 1 the group's k-th feature.</summary>
    public static string Definition(DataType type, int columns) =>
        $"a {Values.ValueSql.ColumnType(type)}[{columns.ToString(System.Globalization.CultureInfo.InvariantCulture)}]";

    /// <summary>Label rows [from, from + count): element k of row i takes <paramref name="rows"/>' row matches[k][i], NULL for -1.</summary>
    public void Append(GroupRows rows, int[][] matches, int from, int count)
    {
        var child = NativeMethods.Vectors.DuckDBArrayVectorGetChild(_appender.Vector(0));
        NativeMethods.Vectors.DuckDBVectorEnsureValidityWritable(child);
        var validity = NativeMethods.Vectors.DuckDBVectorGetValidity(child);
        var data = NativeMethods.Vectors.DuckDBVectorGetData(child);
        for (var k = 0; k < columns; k++)
        {
            var match = matches[k].AsSpan(from, count);
            for (var i = 0; i < count; i++)
            {
                var row = match[i];
                var at = i * columns + k; // the arrays' values lie row after row in the child vector
                var bit = 1UL << (at & 63);
                if (row < 0 || rows.IsNull(row))
                {
                    validity[at >> 6] &= ~bit;
                    continue;
                }
                validity[at >> 6] |= bit;
                switch (rows.Type)
                {
                    case DataType.Boolean: ((byte*)data)[at] = (byte)rows.Fixed(row); break;
                    case DataType.String: AssignString(child, at, rows.Text(row)!); break;
                    default: ((long*)data)[at] = rows.Fixed(row); break;
                }
            }
        }
        _appender.Append(count);
    }

    /// <summary>
    /// By its UTF-8 length: the C string form stops at the first NUL, and a stored value may hold one (CSV and Parquet
    /// ingests keep it), which the training set then returned cut short.
    /// </summary>
    private static void AssignString(IntPtr vector, int at, string text)
    {
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = max > 1024 ? System.Buffers.ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            Span<byte> utf8 = rented is null ? stackalloc byte[1024] : rented;
            var length = System.Text.Encoding.UTF8.GetBytes(text, utf8);
            fixed (byte* p = utf8)
                NativeMethods.Vectors.DuckDBVectorAssignStringElementLength(vector, (ulong)at, p, length);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Flushes and closes: an error here means the rows did not reach the table.</summary>
    public void Close() => _appender.Close();

    public void Dispose() => _appender.Dispose();
}
