using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using Registry.DuckDb;
using Registry.DuckDb.Values;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Values;

/// <summary>
/// The value store's memory is bounded by configuration (ADR 0042): DuckDb:MemoryLimit, DuckDb:Threads,
/// DuckDb:SpillDirectory and DuckDb:MaxSpillSize reach the sandboxed engine, cannot be changed by SQL, and a query
/// larger than the memory limit spills to the configured folder and still answers, with external access off.
/// </summary>
public sealed class ValueStoreMemoryTests : IClassFixture<RegistryApiFactory>
{
    private readonly RegistryApiFactory _api;
    private readonly string _spill;

    public ValueStoreMemoryTests(RegistryApiFactory api)
    {
        _api = api;
        _spill = Path.Combine(api.ValuesDirectory, "spill");
        _api.Settings["DuckDb:MemoryLimit"] = "64MB";
        _api.Settings["DuckDb:Threads"] = "1";
        _api.Settings["DuckDb:SpillDirectory"] = _spill;
        _api.Settings["DuckDb:MaxSpillSize"] = "2GB";
    }

    [Fact]
    public void The_settings_reach_the_engine_and_cannot_be_changed()
    {
        using var c = _api.Services.GetRequiredService<DuckDbDatabase>().Rent();
        Assert.Equal("61.0 MiB", c.Scalar<string>("SELECT current_setting('memory_limit')")); // 64MB as DuckDB reports it
        Assert.Equal(1L, c.Scalar<long>("SELECT current_setting('threads')"));
        Assert.Equal(_spill, c.Scalar<string>("SELECT current_setting('temp_directory')"));
        Assert.Equal("1.8 GiB", c.Scalar<string>("SELECT current_setting('max_temp_directory_size')"));
        foreach (var sql in new[] { "SET threads = 2", $"SET temp_directory = '{_api.ValuesDirectory}'", "SET max_temp_directory_size = '100GB'" })
            Assert.Throws<DuckDBException>(() => c.Execute(sql));
    }

    [Fact]
    public void A_query_larger_than_the_memory_limit_spills_to_the_configured_folder()
    {
        using var c = _api.Services.GetRequiredService<DuckDbDatabase>().Rent();
        // Sorting 6 M rows of 16 bytes and more needs several times the 64 MB limit.
        var (rows, first, last) = (0L, 0L, 0L);
        using (var r = c.Query("""
            SELECT count(*), min(x), max(x) FROM (
                SELECT x, row_number() OVER (ORDER BY hash(x)) AS n FROM (SELECT range AS x, range * 2 AS y FROM range(6000000))
            )
            """))
        {
            Assert.True(r.Read());
            (rows, first, last) = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
        }
        Assert.Equal((6_000_000L, 0L, 5_999_999L), (rows, first, last));
        Assert.True(Directory.Exists(_spill), "DuckDB never created the spill folder: the query did not spill there");
    }

    [Fact]
    public void The_default_memory_limit_is_two_gigabytes() => Assert.Equal("2GB", new ValueStoreOptions().MemoryLimit);
}
