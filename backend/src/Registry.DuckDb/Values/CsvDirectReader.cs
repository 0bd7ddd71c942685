using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Registry.Core.Features;

namespace Registry.DuckDb.Values;

/// <summary>
/// Parses a CSV body as it arrives, straight into a stage table (<see cref="StageChunkWriter"/>), for the plain shape
/// pipelines send: a header naming entity_id, event_ts and value (any order) separated by commas, then one row per line
/// (LF or CRLF), no quotes, a finite number or nothing as the value, an ISO 8601 instant as the event time. Anything
/// else (quotes, another delimiter, an empty line, a value it is not sure DuckDB reads the same way, a value DuckDB
/// would refuse) makes it <see cref="Declined"/>: it stops, and the caller stages the spooled file with DuckDB's reader
/// as before, which then also words any error. So it only ever stores what that path would store, row for row
/// (ADR 0048); it never has to word an error itself.
/// </summary>
internal sealed class CsvDirectReader(StageChunkWriter writer, DataType dataType)
{
    /// <summary>The value types it reads: numbers, whose text has one meaning.</summary>
    public static bool Reads(DataType type) => type is DataType.Float or DataType.Integer;

    /// <summary>
    /// Bytes in an entity id that could make DuckDB's sniffer see another dialect (a quote, an escape, a delimiter, a
    /// comment) or that it treats specially (control characters, the line ends).
    /// </summary>
    private static readonly SearchValues<byte> Unusual = SearchValues.Create(
        [.. Enumerable.Range(0, 32).Select(b => (byte)b), (byte)'"', (byte)'\'', (byte)'\\', (byte)';', (byte)'|', 127]);

    private static readonly long MinMicros = (DateTime.MinValue.Ticks - DateTime.UnixEpoch.Ticks) / 10;
    private static readonly long MaxMicros = (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private bool _started;
    private bool _header;
    private bool _crlf;
    private int _entity, _ts, _value; // each column's position in a line

    public bool Declined { get; private set; }

    /// <summary>Why it declined (for the log and the tests): the first thing it was not sure of.</summary>
    public string? Reason { get; private set; }

    public long Rows => writer.Rows;

    /// <summary>
    /// Reads the complete lines at the start of <paramref name="data"/> and returns how many bytes it used; the caller
    /// keeps the rest for the next call. With <paramref name="final"/>, the rest is the last line.
    /// </summary>
    public int Feed(ReadOnlySpan<byte> data, bool final)
    {
        if (Declined) return data.Length;
        var used = 0;
        if (!_started)
        {
            if (data.Length < 3 && !final) return 0;
            _started = true;
            if (data.StartsWith("\uFEFF"u8)) used = 3;
        }
        while (used < data.Length)
        {
            var rest = data[used..];
            var nl = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line;
            if (nl >= 0)
            {
                line = rest[..nl];
                if (_header && _crlf != (line.Length > 0 && line[^1] == (byte)'\r')) return Stop("mixed line ends");
                used += nl + 1;
            }
            else if (final)
            {
                line = rest;
                used = data.Length;
            }
            else break;
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                if (_header && !_crlf) return Stop("mixed line ends");
                if (!_header) _crlf = true;
                line = line[..^1];
            }
            if (!(_header ? Row(line) : Header(line))) return data.Length;
        }
        if (final && !_header) return Stop("no header");
        if (final && Rows == 0) return Stop("no rows");
        return used;
    }

    private bool Header(ReadOnlySpan<byte> line)
    {
        Span<int> order = [-1, -1, -1];
        var i = 0;
        foreach (var range in line.Split((byte)','))
        {
            if (i == 3) return Fail("more than three columns");
            var name = line[range];
            var at = name.SequenceEqual("entity_id"u8) ? 0 : name.SequenceEqual("event_ts"u8) ? 1 : name.SequenceEqual("value"u8) ? 2 : -1;
            if (at < 0 || order[at] >= 0) return Fail("another header");
            order[at] = i++;
        }
        if (i != 3) return Fail("another header");
        (_entity, _ts, _value) = (order[0], order[1], order[2]);
        _header = true;
        return true;
    }

    private bool Row(ReadOnlySpan<byte> line)
    {
        var a = line.IndexOf((byte)',');
        if (a < 0) return Fail("a short line");
        var tail = line[(a + 1)..];
        var b = tail.IndexOf((byte)',');
        if (b < 0) return Fail("a short line");
        var last = tail[(b + 1)..];
        if (last.Contains((byte)',')) return Fail("a long line");
        var entity = Field(_entity, line[..a], tail[..b], last);
        var ts = Field(_ts, line[..a], tail[..b], last);
        var value = Field(_value, line[..a], tail[..b], last);

        // At most 256 bytes is at most 256 characters however DuckDB counts them; longer ids take DuckDB's path.
        if (entity.Length is 0 or > 256 || entity.IndexOfAny(Unusual) >= 0 || entity[0] is (byte)'#' or (byte)' ' || entity[^1] == (byte)' ')
            return Fail("an unusual entity_id");
        if (!Ascii.IsValid(entity) && !Utf8.IsValid(entity)) return Fail("an entity_id that is not UTF-8");
        if (!TryInstant(ts, out var micros)) return Fail("an event_ts it does not read");
        double d = 0;
        long l = 0;
        var hasValue = value.Length > 0;
        if (hasValue && !(dataType == DataType.Float ? TryDouble(value, out d) : TryInteger(value, out l)))
            return Fail("a value it does not read");
        writer.Add(entity, micros, hasValue, d, l);
        return true;
    }

    private static ReadOnlySpan<byte> Field(int index, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c) =>
        index == 0 ? a : index == 1 ? b : c;

    /// <summary>Stops reading: the caller stages the spooled body with DuckDB's reader instead.</summary>
    public void Decline(string reason)
    {
        if (Declined) return;
        Declined = true;
        Reason = reason;
    }

    private int Stop(string reason)
    {
        Decline(reason);
        return 0;
    }

    private bool Fail(string reason)
    {
        Decline(reason);
        return false;
    }

    /// <summary>
    /// <c>[-]digits[.digits][(e|E)[+|-]digits]</c>, finite, and not a non-zero number that rounds to 0 (which DuckDB's
    /// path refuses). Both .NET and DuckDB round decimal text to the nearest double, so the stored number is the same.
    /// </summary>
    internal static bool TryDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.Length > 64) return false;
        var i = s[0] == (byte)'-' ? 1 : 0;
        var digits = Digits(s, ref i);
        if (digits == 0) return false;
        var nonZero = s.IndexOfAnyInRange((byte)'1', (byte)'9');
        if (i < s.Length && s[i] == (byte)'.')
        {
            i++;
            if (Digits(s, ref i) == 0) return false;
        }
        var mantissaEnd = i;
        if (i < s.Length && s[i] is (byte)'e' or (byte)'E')
        {
            i++;
            if (i < s.Length && s[i] is (byte)'+' or (byte)'-') i++;
            if (Digits(s, ref i) == 0) return false;
        }
        if (i != s.Length) return false;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value)) return false;
        return value != 0 || nonZero < 0 || nonZero >= mantissaEnd;
    }

    /// <summary><c>[-]digits</c>, at most 18 of them: always a BIGINT, and the same number read as a double.</summary>
    internal static bool TryInteger(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        var i = s[0] == (byte)'-' ? 1 : 0;
        var n = Digits(s, ref i);
        if (n is 0 or > 18 || i != s.Length) return false;
        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// <c>YYYY-MM-DD[(T| )hh:mm:ss[.ffffff]][Z|±hh:mm]</c> as microseconds since 1970 UTC (no offset is UTC, as in DuckDB's
    /// path, whose session zone is UTC), between the years 1 and 9999.
    /// </summary>
    internal static bool TryInstant(ReadOnlySpan<byte> s, out long micros)
    {
        micros = 0;
        if (s.Length < 10 || !Number(s, 0, 4, out var y) || s[4] != (byte)'-' || !Number(s, 5, 2, out var mo) || s[7] != (byte)'-' || !Number(s, 8, 2, out var d))
            return false;
        if (y < 1 || mo is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, mo)) return false;
        micros = (new DateTime(y, mo, d, 0, 0, 0, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks) / 10;
        var i = 10;
        if (i == s.Length) return true;
        if (s[i] is not ((byte)'T' or (byte)' ') || s.Length < i + 9) return false;
        if (!Number(s, i + 1, 2, out var h) || s[i + 3] != (byte)':' || !Number(s, i + 4, 2, out var mi) || s[i + 6] != (byte)':' || !Number(s, i + 7, 2, out var sec))
            return false;
        if (h > 23 || mi > 59 || sec > 59) return false;
        micros += ((h * 60L + mi) * 60 + sec) * 1_000_000;
        i += 9;
        if (i < s.Length && s[i] == (byte)'.')
        {
            var start = ++i;
            long fraction = 0;
            while (i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9') fraction = fraction * 10 + (s[i++] - '0');
            var n = i - start;
            if (n is 0 or > 6) return false;
            for (; n < 6; n++) fraction *= 10;
            micros += fraction;
        }
        if (i == s.Length) return InRange(micros);
        if (s[i] == (byte)'Z') return i + 1 == s.Length && InRange(micros);
        if (s[i] is not ((byte)'+' or (byte)'-') || s.Length != i + 6 || !Number(s, i + 1, 2, out var oh) || s[i + 3] != (byte)':' || !Number(s, i + 4, 2, out var om))
            return false;
        if (oh > 14 || om > 59) return false;
        var offset = (oh * 60L + om) * 60_000_000;
        micros += s[i] == (byte)'+' ? -offset : offset;
        return InRange(micros);
    }

    private static bool InRange(long micros) => micros >= MinMicros && micros <= MaxMicros;

    private static int Digits(ReadOnlySpan<byte> s, ref int i)
    {
        var start = i;
        while (i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9') i++;
        return i - start;
    }

    private static bool Number(ReadOnlySpan<byte> s, int at, int length, out int value)
    {
        value = 0;
        for (var i = at; i < at + length; i++)
        {
            if (s[i] is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (s[i] - '0');
        }
        return true;
    }
}
