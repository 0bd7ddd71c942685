using System.Globalization;
using System.Text;
using Registry.Core.Features;
using Registry.DuckDb;
using Registry.DuckDb.Values;

namespace Registry.Tests.Values;

/// <summary>
/// The direct CSV reader (ADR 0048) may only store what DuckDB's reader and the stage's casts would store: each text it
/// accepts is compared with DuckDB's reading of it, and whole files are staged both ways and compared row by row.
/// </summary>
public sealed class CsvDirectReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("csv-direct-").FullName;
    private readonly DuckDbDatabase _db;

    public CsvDirectReaderTests() => _db = DuckDbDatabase.Open(Path.Combine(_dir, "t.duckdb"));

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static readonly string[] Instants =
    [
        "2024-01-02T21:00:00Z", "2024-01-02 21:00:00Z", "2024-01-02T21:00:00", "2024-01-02 21:00:00", "2024-01-02",
        "2024-01-02T21:00:00.5Z", "2024-01-02T21:00:00.123456Z", "2024-01-02T21:00:00.000001", "2024-01-02T21:00:00.1234567Z",
        "2024-01-02T23:00:00+02:00", "2024-01-02T01:00:00-05:30", "2024-01-02T21:00:00.25+14:00", "2024-01-02T21:00:00+00:00",
        "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-04-31", "2024-01-02T24:00:00Z",
        "2024-01-02T23:60:00Z", "2024-01-02T23:59:60Z", "0001-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59.999999Z", "9999-12-31T23:00:00-02:00", "0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z", "1600-03-01T12:00:00Z", "2024-01-02T21:00Z", "2024-01-02T21:00:00z",
        "2024-01-02t21:00:00Z", "2024-01-02T21:00:00 Z", " 2024-01-02T21:00:00Z", "2024-1-2", "2024/01/02", "20240102",
        "2024-01-02T21:00:00+0200", "2024-01-02T21:00:00+02", "2024-01-02T21:00:00.Z", "not a time", "",
    ];

    private static readonly string[] Doubles =
    [
        "0", "-0", "0.0", "1", "-1", "1.5", "185.64", "0.1", "1e10", "1E10", "1e+10", "1e-10", "-2.5e-3", "123456789012345678901234567890",
        "0.30000000000000004", "4.9e-324", "5e-324", "2.4703282292062327e-324", "1e-400", "-0.0000001e-330", "0e-999", "1.7976931348623157e308",
        "1.8e308", "1e309", "nan", "NaN", "inf", "-inf", "Infinity", "+1", ".5", "1.", "1..2", "1e", "1e+", "0x10", "1,5", " 1", "1 ", "1_000",
        "00001.5", "-00.5e01",
    ];

    private static readonly string[] Integers =
    [
        "0", "-0", "7", "-7", "007", "123456789012345678", "-123456789012345678", "9223372036854775807", "1.0", "1e3", "+3", " 3", "",
    ];

    [Fact]
    public void Every_instant_it_reads_is_the_instant_the_stage_reads()
    {
        using var c = _db.Rent();
        var accepted = new List<string>();
        foreach (var text in Instants)
        {
            if (!CsvDirectReader.TryInstant(Encoding.UTF8.GetBytes(text), out var micros)) continue;
            accepted.Add(text);
            var duck = c.Scalar<long?>("""
                SELECT epoch_us(CASE WHEN ends_with(s, 'Z') THEN TRY_CAST(s AS TIMESTAMP) ELSE TRY_CAST(TRY_CAST(s AS TIMESTAMPTZ) AS TIMESTAMP) END)
                FROM (SELECT ?::VARCHAR AS s) WHERE s IS NOT NULL
                """, text);
            Assert.True(duck == micros, $"{text}: the reader says {micros}, DuckDB {duck?.ToString(CultureInfo.InvariantCulture) ?? "NULL"}");
        }
        // The forms pipelines send are read directly, not all handed back to DuckDB.
        Assert.Superset(new HashSet<string> { "2024-01-02T21:00:00Z", "2024-01-02 21:00:00", "2024-01-02", "2024-01-02T23:00:00+02:00", "2024-01-02T21:00:00.123456Z" },
            accepted.ToHashSet());
        Assert.DoesNotContain("2023-02-29T00:00:00Z", accepted);
        Assert.DoesNotContain("0000-01-01T00:00:00Z", accepted);
        Assert.DoesNotContain("0001-01-01T00:30:00+01:00", accepted); // before the year 1 in UTC: the stage refuses it
    }

    [Fact]
    public void Every_number_it_reads_is_the_number_the_stage_reads()
    {
        using var c = _db.Rent();
        foreach (var text in Doubles)
        {
            if (!CsvDirectReader.TryDouble(Encoding.UTF8.GetBytes(text), out var value)) continue;
            // The stage's test for a float value: a finite double, and not a non-zero number read as 0.
            using var r = c.Query("""
                SELECT v, isfinite(v) AND NOT (v = 0 AND regexp_matches(s, '^\s*[+-]?0*\.?0*[1-9]')) FROM (SELECT s, TRY_CAST(s AS DOUBLE) AS v FROM (SELECT ?::VARCHAR AS s))
                """, text);
            Assert.True(r.Read());
            Assert.False(r.IsDBNull(0), $"{text}: the reader says {value}, DuckDB NULL");
            Assert.True(r.GetBoolean(1), $"{text}: the stage refuses it");
            Assert.True(BitConverter.DoubleToInt64Bits(r.GetDouble(0)) == BitConverter.DoubleToInt64Bits(value), $"{text}: the reader says {value:R}, DuckDB {r.GetDouble(0):R}");
        }
        foreach (var text in Integers)
        {
            if (text.Length == 0 || !CsvDirectReader.TryInteger(Encoding.UTF8.GetBytes(text), out var value)) continue;
            var duck = c.Scalar<long?>("SELECT TRY_CAST(s AS BIGINT) FROM (SELECT ?::VARCHAR AS s) WHERE TRY_CAST(s AS DOUBLE) = TRY_CAST(s AS BIGINT)", text);
            Assert.True(duck == value, $"{text}: the reader says {value}, DuckDB {duck}");
        }
        Assert.True(CsvDirectReader.TryDouble("185.64"u8, out _));
        Assert.False(CsvDirectReader.TryDouble("1e-400"u8, out _));
    }

    [Theory]
    [InlineData("entity_id,event_ts,value\n", 1)]
    [InlineData("\uFEFFentity_id,event_ts,value\r\n", 7)]
    [InlineData("value,entity_id,event_ts\r\n", 1)]
    [InlineData("event_ts,value,entity_id\n", 3)]
    public void A_file_read_directly_stages_the_rows_duckdbs_reader_stages(string header, int piece)
    {
        // 5,000 rows: across chunks of 2,048, with nulls, non-ASCII ids, offsets and fractions, handed over in pieces
        // of a few bytes as a slow body would arrive.
        var crlf = header.EndsWith("\r\n", StringComparison.Ordinal);
        var names = header.TrimStart('\uFEFF').TrimEnd('\r', '\n').Split(',');
        var csv = new StringBuilder(header);
        for (var i = 0; i < 5_000; i++)
        {
            var fields = new Dictionary<string, string>
            {
                ["entity_id"] = i % 3 == 0 ? $"é_{i % 97}" : $"E{i % 101:D4}",
                ["event_ts"] = (i % 4) switch
                {
                    0 => $"2024-01-02T{i % 24:D2}:{i % 60:D2}:00Z",
                    1 => $"2024-03-{1 + i % 28:D2} 10:00:00.{i % 1000:D3}",
                    2 => $"2023-12-{1 + i % 28:D2}",
                    _ => $"2024-06-01T12:00:00+0{i % 10}:30",
                },
                ["value"] = i % 7 == 0 ? "" : (i * 0.37 - 500).ToString("R", CultureInfo.InvariantCulture),
            };
            csv.Append(string.Join(',', names.Select(n => fields[n]))).Append(crlf ? "\r\n" : "\n");
        }
        var bytes = Encoding.UTF8.GetBytes(csv.ToString());

        using var c = _db.Rent();
        var (declined, reason) = Direct(c, "direct", bytes, DataType.Float, piece);
        Assert.False(declined, reason);
        Stage(c, "duck", bytes, DataType.Float);
        Assert.Equal(0L, c.Scalar<long>("SELECT count(*) FROM temp.main.duck WHERE error IS NOT NULL"));
        Assert.Equal(5_000L, c.Scalar<long>("SELECT count(*) FROM temp.main.direct"));
        Assert.Equal(0L, c.Scalar<long>("""
            SELECT count(*) FROM (SELECT rowid AS r, entity_id, event_ts, value FROM temp.main.direct) d
            FULL JOIN (SELECT rowid AS r, entity_id, event_ts, value FROM temp.main.duck) k USING (r)
            WHERE d.entity_id IS DISTINCT FROM k.entity_id OR d.event_ts IS DISTINCT FROM k.event_ts OR d.value IS DISTINCT FROM k.value
            """));
        Assert.Equal(715L, c.Scalar<long>("SELECT count(*) FROM temp.main.direct WHERE value IS NULL"));
    }

    [Fact]
    public void Integers_are_read_directly_too()
    {
        using var c = _db.Rent();
        var (declined, reason) = Direct(c, "ints", "entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,-42\nB,2024-01-02T00:00:00Z,\nC,2024-01-02,9007199254740993\n"u8.ToArray(), DataType.Integer, 1000);
        Assert.False(declined, reason);
        using var r = c.Query("SELECT value FROM temp.main.ints ORDER BY rowid");
        var values = new List<long?>();
        while (r.Read()) values.Add(r.IsDBNull(0) ? null : r.GetInt64(0));
        Assert.Equal([-42L, null, 9007199254740993L], values);
    }

    [Theory]
    [InlineData("entity_id,event_ts,value\n\"A\",2024-01-02T00:00:00Z,1\n", "an unusual entity_id")]
    [InlineData("entity_id;event_ts;value\nA;2024-01-02T00:00:00Z;1\n", "another header")]
    [InlineData("entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,1\n\nB,2024-01-02T00:00:00Z,2\n", "a short line")]
    [InlineData("entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,1,2\n", "a long line")]
    [InlineData("entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,nan\n", "a value it does not read")]
    [InlineData("entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,1\r\nB,2024-01-02T00:00:00Z,2\n", "mixed line ends")]
    [InlineData("entity_id,event_ts,value\r\nA,2024-01-02T00:00:00Z,1\nB,2024-01-02T00:00:00Z,2\n", "mixed line ends")]
    [InlineData("entity_id,event_ts,value\n#A,2024-01-02T00:00:00Z,1\n", "an unusual entity_id")]
    [InlineData("entity_id,event_ts,value\nA,yesterday,1\n", "an event_ts it does not read")]
    [InlineData("entity_id,event_ts,value\n", "no rows")]
    [InlineData("entity_id,event_ts,value,other\nA,2024-01-02T00:00:00Z,1,2\n", "more than three columns")]
    [InlineData("", "no header")]
    public void Anything_unusual_is_left_to_duckdbs_reader(string csv, string reason)
    {
        using var c = _db.Rent();
        var (declined, why) = Direct(c, "declined", Encoding.UTF8.GetBytes(csv), DataType.Float, 5);
        Assert.True(declined);
        Assert.Equal(reason, why);
    }

    [Fact]
    public void Strings_booleans_and_instants_as_values_are_left_to_duckdbs_reader()
    {
        Assert.True(CsvDirectReader.Reads(DataType.Float));
        Assert.True(CsvDirectReader.Reads(DataType.Integer));
        Assert.False(CsvDirectReader.Reads(DataType.String));
        Assert.False(CsvDirectReader.Reads(DataType.Boolean));
        Assert.False(CsvDirectReader.Reads(DataType.Timestamp));
    }

    /// <summary>Feeds <paramref name="body"/> in pieces of <paramref name="piece"/> bytes, keeping unfinished lines as the spooler does.</summary>
    private static (bool Declined, string? Reason) Direct(DuckDbSession c, string stage, byte[] body, DataType type, int piece)
    {
        c.Execute($"CREATE TEMP TABLE {stage} (entity_id VARCHAR, event_ts TIMESTAMP, value {(type == DataType.Integer ? "BIGINT" : "DOUBLE")})");
        using var writer = new StageChunkWriter(c, stage, integer: type == DataType.Integer);
        var reader = new CsvDirectReader(writer, type);
        var buffer = new byte[body.Length + piece];
        int kept = 0, at = 0;
        while (at < body.Length && !reader.Declined)
        {
            var n = Math.Min(piece, body.Length - at);
            body.AsSpan(at, n).CopyTo(buffer.AsSpan(kept));
            at += n;
            var used = reader.Feed(buffer.AsSpan(0, kept + n), final: false);
            kept = kept + n - used;
            buffer.AsSpan(used, kept).CopyTo(buffer);
        }
        if (!reader.Declined) reader.Feed(buffer.AsSpan(0, kept), final: true);
        if (!reader.Declined) writer.Close();
        return (reader.Declined, reader.Reason);
    }

    /// <summary>What the store did before the direct reader, and still does when it declines: sniff, read as text, cast.</summary>
    private void Stage(DuckDbSession c, string stage, byte[] body, DataType type)
    {
        var file = Path.Combine(_dir, stage + ".csv");
        File.WriteAllBytes(file, body);
        var layout = Uploads.SniffCsv(c, file);
        c.Execute(ValueSql.Stage(stage, layout.Source(file), type, SourceType.Text, SourceType.Text, rowNumber: null));
    }
}
