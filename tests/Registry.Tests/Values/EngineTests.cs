using DuckDB.NET.Data;
using Registry.Core.Features;
using Registry.DuckDb;
using Registry.DuckDb.Snapshots;
using Registry.DuckDb.Training;
using Registry.DuckDb.Values;

namespace Registry.Tests.Values;

/// <summary>
/// The stores' layer over DuckDB.NET against the real libduckdb it bundles: sessions and their parameters, the pool
/// sharing one engine instance, the checked appender (DuckDB.NET's own does not check types, issue #251), and the
/// values file's recorded layout version.
/// </summary>
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
    public void Reads_every_type_the_stores_use_including_nulls_and_long_strings()
    {
        using var c = _db.Rent();
        using var r = c.Query("""
            SELECT 42::BIGINT AS i, 1.5::DOUBLE AS d, true AS b, 'short' AS s, repeat('x', 40) AS l,
                   TIMESTAMP '2024-01-02 03:04:05.123456' AS t, NULL::DOUBLE AS n, 7::INTEGER AS small
            """);
        Assert.True(r.Read());
        Assert.Equal(42, r.GetInt64(0));
        Assert.Equal(1.5, r.GetDouble(1));
        Assert.True(r.GetBoolean(2));
        Assert.Equal("short", r.GetString(3));
        Assert.Equal(new string('x', 40), r.GetString(4));
        var expected = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560);
        Assert.Equal(expected, r.GetTimestamp(5));
        Assert.Equal(expected, r.GetValueOrNull(5));
        Assert.Equal(TimeSpan.Zero, ((DateTimeOffset)r.GetValueOrNull(5)!).Offset);
        Assert.True(r.IsNull(6));
        Assert.Null(r.GetValueOrNull(6));
        Assert.Equal(7L, r.GetValueOrNull(7)); // INTEGER reads as long, as every integer value does
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
        c.Execute("INSERT INTO p VALUES (?, ?, ?, ?, ?)", evil, 7L, 2.5, false, new DateTimeOffset(2024, 5, 6, 0, 0, 0, TimeSpan.Zero));
        c.Execute("INSERT INTO p VALUES (?, ?, ?, ?, ?)", null, null, null, null, null);
        using var r = c.Query("SELECT s, i, d, b, t FROM p WHERE s = ?", evil);
        Assert.True(r.Read());
        Assert.Equal(evil, r.GetString(0));
        Assert.Equal(7, r.GetInt64(1));
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 0, 0, 0, TimeSpan.Zero), r.GetTimestamp(4));
        Assert.Equal(2, c.Scalar<long>("SELECT count(*) FROM p"));
    }

    [Fact]
    public void A_DateTimeOffset_with_an_offset_is_the_same_instant_in_a_TIMESTAMP_column()
    {
        // DuckDB.NET binds DateTimeOffset as TIMESTAMPTZ; the session binds its UTC instant, so the offset cannot shift it.
        using var c = _db.Rent();
        c.Execute("CREATE TABLE tz(t TIMESTAMP)");
        var instant = new DateTimeOffset(2024, 5, 6, 12, 0, 0, TimeSpan.FromHours(5));
        c.Execute("INSERT INTO tz VALUES (?)", instant);
        Assert.Equal(instant, c.Scalar<DateTime>("SELECT t FROM tz") is var t ? new DateTimeOffset(t, TimeSpan.Zero) : default);
        Assert.Equal(1, c.Scalar<long>("SELECT count(*) FROM tz WHERE t = ?", instant.UtcDateTime));
    }

    [Fact]
    public void Errors_carry_duckdb_messages_and_types()
    {
        using var c = _db.Rent();
        var e = Assert.Throws<DuckDBException>(() => c.Execute("SELECT * FROM no_such_table"));
        Assert.Contains("no_such_table", e.Message);
        var syntax = Assert.Throws<DuckDBException>(() => c.Execute("SELEC 1"));
        Assert.Equal(DuckDB.NET.Native.DuckDBErrorType.Parser, SqlLimits.Kind(syntax));
        var range = Assert.Throws<DuckDBException>(() => c.Execute("SELECT 1 / 0 = 'x'::INTEGER"));
        Assert.NotEqual(DuckDB.NET.Native.DuckDBErrorType.Invalid, SqlLimits.Kind(range));
    }

    [Fact]
    public void Pooled_sessions_share_one_engine_instance_for_files_and_for_memory()
    {
        using (var a = _db.Rent()) a.Execute("CREATE TABLE shared(x INTEGER); INSERT INTO shared VALUES (1)");
        using var b1 = _db.Rent();
        using var b2 = _db.Rent(); // a second connection at once: not the first one back from the pool
        Assert.NotSame(b1.Connection, b2.Connection);
        Assert.Equal(1, b2.Scalar<long>("SELECT count(*) FROM shared"));

        using var memory = DuckDbDatabase.Open(":memory:");
        using (var m = memory.Rent()) m.Execute("CREATE TABLE only_here(x INTEGER)");
        using var m1 = memory.Rent();
        using var m2 = memory.Rent();
        Assert.Equal(0, m2.Scalar<long>("SELECT count(*) FROM only_here"));
    }

    [Fact]
    public void One_file_is_opened_once_per_process_and_again_only_after_it_is_closed()
    {
        var path = Path.Combine(_dir, "once.duckdb");
        var first = DuckDbDatabase.Open(path);
        var e = Assert.Throws<DuckDbSchemaException>(() => DuckDbDatabase.Open(Path.Combine(_dir, ".", "once.duckdb")));
        Assert.Contains("already open", e.Message);
        first.Dispose();
        using var again = DuckDbDatabase.Open(path, new DuckDbSandbox([_dir]));
        using var c = again.Rent();
        Assert.Equal("false", c.Scalar<string>("SELECT current_setting('enable_external_access')::VARCHAR"));
    }

    [Fact]
    public void A_connection_left_in_a_transaction_is_closed_not_pooled()
    {
        DuckDBConnection leaked;
        using (var c = _db.Rent())
        {
            c.Execute("CREATE TABLE tx(x INTEGER)");
            c.Begin();
            c.Execute("INSERT INTO tx VALUES (1)");
            leaked = c.Connection;
        }
        Assert.Equal(System.Data.ConnectionState.Closed, leaked.State);
        using var other = _db.Rent();
        Assert.Equal(0, other.Scalar<long>("SELECT count(*) FROM tx"));
    }

    [Fact]
    public void The_sandbox_outlives_every_pooled_connection()
    {
        var staging = Directory.CreateDirectory(Path.Combine(_dir, "staging")).FullName;
        using var db = DuckDbDatabase.Open(Path.Combine(_dir, "sandboxed.duckdb"), new DuckDbSandbox([staging], "1GB"));
        for (var i = 0; i < 3; i++)
        {
            using var c = db.Rent();
            Assert.Throws<DuckDBException>(() => c.Execute("SET enable_external_access = true"));
            Assert.Throws<DuckDBException>(() => c.Execute("SELECT * FROM read_csv('/etc/passwd')"));
            Assert.Equal("false", c.Scalar<string>("SELECT current_setting('enable_external_access')::VARCHAR"));
        }
    }

    [Fact]
    public void The_checked_appender_refuses_a_value_of_another_type_instead_of_storing_garbage()
    {
        using var c = _db.Rent();
        c.Execute("CREATE TABLE typed(i INTEGER, d DOUBLE)");
        // The declaration must match the table: a long into INTEGER is refused before any row.
        Assert.Throws<InvalidOperationException>(() =>
            CheckedAppender.Open(c, "t", "main", "typed", [new("i", "BIGINT"), new("d", "DOUBLE")]));
        using (var refused = CheckedAppender.Open(c, "t", "main", "typed", [new("i", "INTEGER"), new("d", "DOUBLE")]))
        {
            Assert.Throws<InvalidOperationException>(() => refused.BigInt(1)); // INTEGER column
            refused.Integer(9); // a row begun and abandoned: disposing without Close discards it
        }
        using var row = CheckedAppender.Open(c, "t", "main", "typed", [new("i", "INTEGER"), new("d", "DOUBLE")]);
        row.Integer(3);
        Assert.Throws<InvalidOperationException>(() => row.BigInt(4)); // DOUBLE column
        Assert.Throws<InvalidOperationException>(() => row.EndRow()); // one value short
        row.Double(0.5).EndRow();
        row.Close();
        using var r = c.Query("SELECT i, d FROM typed");
        Assert.True(r.Read());
        Assert.Equal(3, r.GetInt32(0));
        Assert.Equal(0.5, r.GetDouble(1));
        Assert.False(r.Read());
    }

    public static TheoryData<string> AppendSites => ["json:Float", "json:Integer", "json:String", "json:Boolean", "json:Timestamp", "labels", "snapshot_entities", "health_probe"];

    /// <summary>Each append site's declared columns against the table its own DDL creates, and a row through it.</summary>
    [Theory]
    [MemberData(nameof(AppendSites))]
    public void Every_append_site_declares_exactly_the_columns_its_table_has(string site)
    {
        using var c = _db.Rent();
        var table = "site_" + Guid.NewGuid().ToString("N");
        var (ddl, columns) = site switch
        {
            "labels" => (DuckDbTrainingStore.LabelTable(table), DuckDbTrainingStore.LabelColumns),
            "snapshot_entities" => (DuckDbSnapshotFileStore.EntityTable(table), DuckDbSnapshotFileStore.EntityColumns),
            "health_probe" => (DuckDbHealthCheck.ProbeTable(table), DuckDbHealthCheck.ProbeColumns),
            _ => (ValueSql.TypedStage(table, Enum.Parse<DataType>(site[5..])), JsonBatchReader.StageColumns(Enum.Parse<DataType>(site[5..]))),
        };
        c.Execute(ddl);
        Assert.Equal(columns, CheckedAppender.Columns(c, "temp", "main", table));
        using var appender = CheckedAppender.Open(c, "temp", "main", table, columns);
        var written = new List<object?>();
        foreach (var column in columns)
        {
            switch (column.Type)
            {
                case "VARCHAR": appender.Varchar("v"); written.Add("v"); break;
                case "BIGINT": appender.BigInt(long.MaxValue - 1); written.Add(long.MaxValue - 1); break;
                case "DOUBLE": appender.Double(-2.25); written.Add(-2.25); break;
                case "BOOLEAN": appender.Boolean(true); written.Add(true); break;
                case "TIMESTAMP":
                    var t = new DateTime(2031, 7, 8, 9, 10, 11, DateTimeKind.Utc).AddTicks(123450);
                    appender.Timestamp(t);
                    written.Add(new DateTimeOffset(t));
                    break;
                default: throw new InvalidOperationException(column.Type);
            }
        }
        appender.EndRow();
        appender.Close();
        using var r = c.Query($"SELECT * FROM temp.main.\"{table}\"");
        Assert.True(r.Read());
        Assert.Equal(written, Enumerable.Range(0, r.FieldCount).Select(i => r.GetValueOrNull(i)).ToList());
    }

    [Fact]
    public void Has_the_extensions_the_value_store_needs_built_in()
    {
        using var c = _db.Rent();
        var file = Path.Combine(_dir, "x.parquet");
        c.Execute($"COPY (SELECT 1 AS a) TO {DuckDbSession.Literal(file)} (FORMAT parquet)");
        Assert.Equal(1, c.Scalar<long>($"SELECT count(*) FROM read_parquet({DuckDbSession.Literal(file)})"));
        Assert.Contains("\"error\":false", c.Scalar<string>("SELECT json_serialize_sql('SELECT 1')"));
    }
}
