using DuckDB.NET.Data;
using Registry.DuckDb;

namespace Registry.Tests.Reliability;

/// <summary>Which DuckDB failures are the values store being unavailable (503), and which are not (real DuckDB errors).</summary>
public sealed class FaultClassificationTests
{
    [Fact]
    public void A_file_duckdb_cannot_write_is_the_values_store_being_unavailable_and_bad_sql_is_not()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var c = db.Rent();

        var io = Assert.Throws<DuckDBException>(() => c.Execute("COPY (SELECT 1 AS a) TO '/proc/registry-no-such-dir/x.csv'"));
        Assert.True(DuckDbFaults.IsOutage(io), io.Message);
        var translated = DuckDbFaults.Translate(io);
        Assert.Same(io, translated.InnerException);
        Assert.DoesNotContain("/proc", translated.Message, StringComparison.Ordinal);

        var syntax = Assert.Throws<DuckDBException>(() => c.Execute("SELEC 1"));
        Assert.False(DuckDbFaults.IsOutage(syntax), syntax.Message);
        Assert.False(Registry.Postgres.PostgresFaults.IsUnavailable(syntax));
        var missing = Assert.Throws<DuckDBException>(() => c.Execute("SELECT * FROM no_such_table"));
        Assert.False(DuckDbFaults.IsOutage(missing), missing.Message);
    }
}
