using Registry.DuckDb;

namespace Registry.Tests.Values;

/// <summary>The P/Invoke layer against the real libduckdb: types, NULLs, long strings, chunks, errors, appender.</summary>
public sealed class EngineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("duck-engine-").FullName;
    private readonly DuckDbDatabase _db;

    public EngineTests() => _db = DuckDbDatabase.Open(Path.Combine(_dir, "t.duckdb"));

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Reports_the_pinned_library_version() => Assert.Equal("v1.5.6", DuckDbDatabase.LibraryVersion);

    [Fact]
    public void Reads_every_type_it_maps_including_nulls_and_long_strings()
    {
        using var c = _db.Rent();
        using var r = c.Query("""
            SELECT 42::BIGINT AS i, 1.5::DOUBLE AS d, true AS b, 'short' AS s, repeat('x', 40) AS l,
                   TIMESTAMP '2024-01-02 03:04:05.123456' AS t, NULL::DOUBLE AS n
            """);
        Assert.True(r.Read());
        Assert.Equal(42, r.GetInt64(0));
        Assert.Equal(1.5, r.GetDouble(1));
        Assert.True(r.GetBoolean(2));
        Assert.Equal("short", r.GetString(3));
        Assert.Equal(new string('x', 40), r.GetString(4));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560), r.GetTimestamp(5));
        Assert.True(r.IsNull(6));
        Assert.False(r.IsNull(0));
        Assert.False(r.Read());
    }

    [Fact]
    public void Reads_across_many_chunks()
    {
        using var c = _db.Rent();
        using var r = c.Query("SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE i::VARCHAR END FROM range(10000) t(i)");
        long n = 0, sum = 0, nulls = 0;
        while (r.Read())
        {
            sum += r.GetInt64(0);
            if (r.IsNull(1)) nulls++;
            else Assert.Equal(r.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture), r.GetString(1));
            n++;
        }
        Assert.Equal(10000, n);
        Assert.Equal(49995000, sum);
        Assert.Equal(1429, nulls);
    }

    [Fact]
    public void Binds_parameters_by_position_and_never_splices_them()
    {
        using var c = _db.Rent();
        c.Execute("CREATE TABLE p(s VARCHAR, i BIGINT, d DOUBLE, b BOOLEAN, t TIMESTAMP)");
        var evil = "x'); DROP TABLE p; --";
        c.Prepared("INSERT INTO p VALUES (?, ?, ?, ?, ?)").BindAll(evil, 7L, 2.5, false, new DateTimeOffset(2024, 5, 6, 0, 0, 0, TimeSpan.Zero)).ExecuteNonQuery();
        c.Prepared("INSERT INTO p VALUES (?, ?, ?, ?, ?)").BindAll(null, null, null, null, null).ExecuteNonQuery();
        using var r = c.Prepared("SELECT s, i, d, b, t FROM p WHERE s = ?").BindAll(evil).ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(evil, r.GetString(0));
        Assert.Equal(7, r.GetInt64(1));
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 0, 0, 0, TimeSpan.Zero), r.GetTimestamp(4));
        using var count = c.Query("SELECT count(*) FROM p");
        Assert.True(count.Read());
        Assert.Equal(2, count.GetInt64(0));
    }

    [Fact]
    public void Errors_carry_duckdb_messages()
    {
        using var c = _db.Rent();
        var e = Assert.Throws<DuckDbException>(() => c.Execute("SELECT * FROM no_such_table"));
        Assert.Contains("no_such_table", e.Message);
        Assert.Throws<DuckDbException>(() => c.Prepare("SELEC 1"));
    }

    [Fact]
    public void Appender_writes_rows_inside_a_transaction_that_can_roll_back()
    {
        using var c = _db.Rent();
        c.Execute("CREATE TABLE a(e VARCHAR, t TIMESTAMP, v DOUBLE)");
        c.Begin();
        using (var app = c.CreateAppender(null, null, "a"))
        {
            for (var i = 0; i < 5000; i++)
            {
                app.Append("e" + (i % 10));
                app.AppendTimestampMicros(i * 1_000_000L);
                if (i % 2 == 0) app.Append(i * 0.5); else app.AppendNull();
                app.EndRow();
            }
            app.Close();
        }
        c.Rollback();
        using (var r = c.Query("SELECT count(*) FROM a")) { r.Read(); Assert.Equal(0, r.GetInt64(0)); }
        using (var app = c.CreateAppender(null, null, "a"))
        {
            app.Append("x"); app.AppendTimestampMicros(0); app.Append(1.0); app.EndRow();
            app.Close();
        }
        using (var r = c.Query("SELECT count(*) FROM a")) { r.Read(); Assert.Equal(1, r.GetInt64(0)); }
    }

    [Fact]
    public void Has_the_extensions_the_value_store_needs_built_in()
    {
        using var c = _db.Rent();
        var file = Path.Combine(_dir, "x.parquet");
        c.Execute($"COPY (SELECT 1 AS a) TO {DuckDbConnection.Literal(file)} (FORMAT parquet)");
        using (var r = c.Query($"SELECT count(*) FROM read_parquet({DuckDbConnection.Literal(file)})")) { r.Read(); Assert.Equal(1, r.GetInt64(0)); }
        using (var r = c.Query("SELECT json_serialize_sql('SELECT 1')")) { r.Read(); Assert.Contains("\"error\":false", r.GetString(0)); }
    }
}
