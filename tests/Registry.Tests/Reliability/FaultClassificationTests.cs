using Registry.Api.Infrastructure;
using Registry.DuckDb;

namespace Registry.Tests.Reliability;

/// <summary>Which DuckDB failures are the values store being unavailable (503), and which are not (real DuckDB errors).</summary>
public sealed class FaultClassificationTests
{
    [Fact]
    public void A_file_duckdb_cannot_write_is_the_values_store_being_unavailable_and_bad_sql_is_not()
    {
        using var db = DuckDbDatabase.Open(":memory:");
        using var c = db.Connect();

        var io = Assert.Throws<DuckDbException>(() => c.Execute("COPY (SELECT 1 AS a) TO '/proc/registry-no-such-dir/x.csv'"));
        Assert.True(DatabaseUnavailable.IsValuesStore(io), io.Message);

        var syntax = Assert.Throws<DuckDbException>(() => c.Execute("SELEC 1"));
        Assert.False(DatabaseUnavailable.IsValuesStore(syntax), syntax.Message);
        Assert.False(DatabaseUnavailable.Is(syntax));
    }
}
