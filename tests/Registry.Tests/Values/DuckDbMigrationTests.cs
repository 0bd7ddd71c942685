using Registry.DuckDb;

namespace Registry.Tests.Values;

/// <summary>The values file's recorded layout: ordered migrations applied once each, old files adopted, newer ones refused.</summary>
public sealed class DuckDbMigrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("duck-migrations-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    [Fact]
    public void A_new_file_records_every_migration_of_this_build()
    {
        using var db = DuckDbDatabase.Open(File("new.duckdb"));
        using var c = db.Rent();
        Assert.Equal(DuckDbMigrations.All.Select(m => m.Version), DuckDbMigrations.Applied(c));
        Assert.Equal(DuckDbMigrations.Current, DuckDbMigrations.Applied(c)[^1]);
        Assert.Equal(3, c.Scalar<long>("SELECT count(*) FROM duckdb_schemas() WHERE schema_name IN ('features', 'feature_views', 'registry_latest')"));
    }

    [Fact]
    public void Later_migrations_run_once_each_in_order_on_reopen()
    {
        var path = File("grow.duckdb");
        DuckDbDatabase.Open(path).Dispose();
        var runs = new List<int>();
        DuckDbMigration[] grown =
        [
            .. DuckDbMigrations.All,
            new(100, "a column", s => { runs.Add(100); s.Execute("CREATE TABLE registry_meta.t(x INTEGER)"); }),
            new(101, "another", s => { runs.Add(101); s.Execute("ALTER TABLE registry_meta.t ADD COLUMN y VARCHAR"); }),
        ];
        using (var db = DuckDbDatabase.Open(path, migrations: grown))
        using (var c = db.Rent())
        {
            Assert.Equal([100, 101], runs);
            Assert.Equal(2, c.Scalar<long>("SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'registry_meta' AND table_name = 't'"));
        }
        using (DuckDbDatabase.Open(path, migrations: grown)) { }
        Assert.Equal([100, 101], runs); // not again
    }

    [Fact]
    public void A_failing_migration_leaves_nothing_half_done_and_stops_the_open()
    {
        var path = File("fail.duckdb");
        DuckDbMigration[] failing =
        [
            .. DuckDbMigrations.All,
            new(200, "half", s => { s.Execute("CREATE TABLE registry_meta.half(x INTEGER)"); s.Execute("SELECT * FROM no_such_table"); }),
        ];
        var e = Assert.Throws<DuckDbSchemaException>(() => DuckDbDatabase.Open(path, migrations: failing));
        Assert.Contains("200", e.Message);
        using var db = DuckDbDatabase.Open(path);
        using var c = db.Rent();
        Assert.DoesNotContain(200, DuckDbMigrations.Applied(c));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half'"));
    }

    [Fact]
    public void A_file_from_before_the_record_is_adopted_with_its_values()
    {
        var path = File("old.duckdb");
        // The layout as the registry wrote it before the record existed: the schemas and a feature's tables, no registry_meta.
        using (var db = DuckDbDatabase.Open(path, migrations: []))
        using (var c = db.Rent())
        {
            c.Execute("DROP SCHEMA registry_meta CASCADE; CREATE SCHEMA IF NOT EXISTS features; CREATE TABLE features.f(x INTEGER); INSERT INTO features.f VALUES (7)");
        }
        using (var db = DuckDbDatabase.Open(path))
        using (var c = db.Rent())
        {
            Assert.Equal(DuckDbMigrations.All.Select(m => m.Version), DuckDbMigrations.Applied(c));
            Assert.Equal(7, c.Scalar<int>("SELECT x FROM features.f"));
        }
    }

    [Fact]
    public void A_file_written_by_a_newer_build_is_refused_not_misread()
    {
        var path = File("newer.duckdb");
        using (var db = DuckDbDatabase.Open(path))
        using (var c = db.Rent())
            c.Execute("INSERT INTO registry_meta.schema_migrations VALUES (9999, 'from the future', now()::TIMESTAMP)");
        var e = Assert.Throws<DuckDbSchemaException>(() => DuckDbDatabase.Open(path));
        Assert.Contains("9999", e.Message);
        Assert.Contains("newer registry", e.Message);
    }

    [Fact]
    public void Migrations_out_of_order_are_a_programming_error()
    {
        DuckDbMigration[] unordered = [new(2, "b", _ => { }), new(1, "a", _ => { })];
        Assert.Throws<InvalidOperationException>(() => DuckDbDatabase.Open(File("unordered.duckdb"), migrations: unordered));
    }
}
