using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Values;
using Registry.DuckDb;
using Registry.DuckDb.Values;

namespace Registry.Tests.Values;

/// <summary>
/// A values file opened again (a restarted owner) recognises its features' tables from one catalog scan: no DDL and no
/// catalog query per feature on its first read (ADR 0046). What the per-feature checks guarded still holds.
/// </summary>
public sealed class ValueCatalogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("value-catalog-").FullName;
    private string PathOf => Path.Combine(_dir, "values.duckdb");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ValueTable Table(int i) =>
        new($"f_{i}", ValueTable.DefaultSchema, $"f_{i}", (i % 3) switch { 0 => DataType.Float, 1 => DataType.String, _ => DataType.Integer });

    private void Create(int count)
    {
        using var db = DuckDbDatabase.Open(PathOf);
        var tables = new ValueTables(new ValueStoreOptions(), new LatestCache());
        using var c = db.Rent();
        for (var i = 0; i < count; i++) tables.Ensure(c, Table(i));
        Assert.Equal(count, tables.DdlRuns);
    }

    [Fact]
    public void A_file_opened_again_knows_its_tables_from_one_scan_and_runs_no_ddl()
    {
        Create(60);
        using var db = DuckDbDatabase.Open(PathOf);
        var tables = new ValueTables(new ValueStoreOptions(), new LatestCache());
        using var c = db.Rent();
        for (var i = 0; i < 60; i++) Assert.True(tables.Exists(c, Table(i)));
        Assert.False(tables.Exists(c, Table(60)));
        Assert.Equal(1, tables.Catalog.Scans);
        Assert.Equal(0, tables.DdlRuns);

        // A feature created after the scan is known at once, with its real columns.
        tables.Ensure(c, Table(62));
        Assert.Equal(1, tables.DdlRuns);
        Assert.Equal(1, tables.Catalog.Scans);
        Assert.Equal("value BIGINT", tables.Catalog.Find(c, ValueTable.DefaultSchema, "f_62")!.Columns[2]);
        Assert.NotNull(tables.Catalog.Find(c, ValueSql.LatestSchema, "f_62"));
    }

    [Fact]
    public void A_missing_latest_table_is_rebuilt_from_the_values_when_the_file_is_opened_again()
    {
        Create(2);
        using (var db = DuckDbDatabase.Open(PathOf))
        using (var c = db.Rent())
        {
            c.Execute("INSERT INTO features.f_0 VALUES ('A', TIMESTAMP '2026-01-01', 1.5, '1.0.0', 1, now()::TIMESTAMP, uuid()), " +
                      "('A', TIMESTAMP '2026-01-02', 2.5, '1.0.0', 1, now()::TIMESTAMP, uuid())");
            c.Execute($"DROP TABLE {ValueSql.LatestSchema}.f_0");
        }
        using var again = DuckDbDatabase.Open(PathOf);
        var tables = new ValueTables(new ValueStoreOptions(), new LatestCache());
        using var s = again.Rent();
        Assert.True(tables.Exists(s, Table(0)));
        Assert.Equal(1, tables.DdlRuns);
        Assert.Equal(2.5, s.Scalar<double>($"SELECT value FROM {ValueSql.LatestSchema}.f_0 WHERE entity_id = 'A'"));
    }

    [Fact]
    public void A_table_of_another_shape_or_a_view_at_the_name_is_still_a_conflict()
    {
        using (var db = DuckDbDatabase.Open(PathOf))
        using (var c = db.Rent())
        {
            c.Execute("CREATE SCHEMA IF NOT EXISTS features; CREATE TABLE features.f_0 (entity_id VARCHAR, v DOUBLE); CREATE VIEW features.f_1 AS SELECT 1 AS x");
        }
        using var again = DuckDbDatabase.Open(PathOf);
        var tables = new ValueTables(new ValueStoreOptions(), new LatestCache());
        using var s = again.Rent();
        var shape = Assert.Throws<ConflictException>(() => tables.Exists(s, Table(0)));
        Assert.Contains("exists with columns (entity_id VARCHAR, v DOUBLE)", shape.Message);
        var view = Assert.Throws<ConflictException>(() => tables.Ensure(s, Table(1)));
        Assert.Contains("is a view the registry did not create", view.Message);
        // Left as they were: never overwritten.
        Assert.Equal(2, s.Scalar<long>("SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'features' AND table_name = 'f_0'"));
        Assert.Equal(1, s.Scalar<long>("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'features' AND view_name = 'f_1'"));
    }
}
