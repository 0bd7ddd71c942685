using DuckDB.NET.Data;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Registry.DuckDb;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>
/// A SQL feature that would run for ever or eat the machine is stopped at its configured bounds (DuckDb:SqlTimeout,
/// DuckDb:MemoryLimit) with a 422 naming the bound; the engine gives back what it held and the API stays responsive.
/// </summary>
public sealed class SqlLimitsTests : IClassFixture<RegistryApiFactory>, IAsyncLifetime
{
    private readonly RegistryApiFactory _api;
    private HttpClient _client = null!;

    public SqlLimitsTests(RegistryApiFactory api)
    {
        _api = api;
        _api.Settings["DuckDb:SqlTimeout"] = "00:00:02";
        _api.Settings["DuckDb:MemoryLimit"] = "256MB";
    }

    public async Task InitializeAsync()
    {
        _client = await _api.CreateClientWithScopeAsync("write");
        await _client.CreateAsync(FeatureApi.Minimal("lim_close"), allowExisting: true);
        await _client.IngestAsync("lim_close", Enumerable.Range(0, 300).Select(i => Row($"E{i}", Day(i % 7), i)).ToArray());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<JsonNode> MaterializeProblemAsync(string name, string sql)
    {
        var body = FeatureApi.Minimal(name, type: "derived");
        body["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = sql };
        body["upstream_features"] = new JsonArray("lim_close");
        await _client.CreateAsync(body, allowExisting: true);
        return await (await _client.PostAsync($"{FeatureApi.Url}/{name}/materialize", null)).ExpectProblemAsync(422);
    }

    [Fact]
    public async Task A_query_past_its_time_limit_is_interrupted_and_named()
    {
        var clock = Stopwatch.StartNew();
        var problem = await MaterializeProblemAsync("lim_cross", """
            SELECT a.entity_id, a.event_ts, CAST(count(*) AS DOUBLE) AS value
            FROM lim_close a, lim_close b, lim_close c, lim_close d, lim_close e GROUP BY ALL
            """);
        Assert.Equal("DuckDb:SqlTimeout", (string)problem["limit"]!);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        await AfterwardsAsync();
    }

    [Fact]
    public void The_memory_limit_reaches_the_engine_and_cannot_be_raised()
    {
        using var c = _api.Services.GetRequiredService<DuckDbDatabase>().Rent();
        using (var r = c.Query("SELECT current_setting('memory_limit')"))
        {
            Assert.True(r.Read());
            Assert.Equal("244.1 MiB", r.GetString(0)); // 256MB as DuckDB reports it
        }
        Assert.Throws<DuckDBException>(() => c.Execute("SET memory_limit = '8GB'"));
    }

    /// <summary>
    /// The finding: a doubling recursion grew the process by hundreds of MB. Held to the memory limit, DuckDB spills
    /// to disk rather than grow, so the time limit or the memory limit ends it, and nothing stays held afterwards.
    /// </summary>
    [Theory]
    // 2^40 bytes cannot be reached: spilling within the memory limit is far slower than the 2 s time limit.
    [InlineData("lim_doubling", """
        WITH RECURSIVE r(n, s) AS (SELECT 1, max(entity_id) FROM lim_close UNION ALL SELECT n + 1, s || s FROM r WHERE n < 40)
        SELECT 'x' || n AS entity_id, TIMESTAMP '2024-01-01' AS event_ts, CAST(length(s) AS DOUBLE) AS value FROM r
        """)]
    public async Task A_query_that_grows_memory_is_held_to_the_limits(string name, string sql)
    {
        var problem = await MaterializeProblemAsync(name, sql);
        Assert.Contains((string?)problem["limit"], new[] { "DuckDb:SqlTimeout", "DuckDb:MemoryLimit" });
        await AfterwardsAsync();
    }

    /// <summary>The engine holds no more than a fraction of its limit again, and the API answers at once.</summary>
    private async Task AfterwardsAsync()
    {
        var db = _api.Services.GetRequiredService<DuckDbDatabase>();
        using (var c = db.Rent())
        using (var r = c.Query("SELECT sum(memory_usage_bytes) FROM duckdb_memory()"))
        {
            Assert.True(r.Read());
            Assert.True(r.GetInt64(0) < 64L << 20, $"DuckDB still holds {r.GetInt64(0)} bytes");
        }
        var clock = Stopwatch.StartNew();
        Assert.True((await _client.ReadValuesAsync("lim_close", "?limit=1000")).Count >= 300);
        await _client.IngestAsync("lim_close", Row("E0", Day(9), 1));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }
}
