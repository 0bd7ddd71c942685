using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Registry.DuckDb;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>SQL features materialized by the registry over their declared upstream features, and exposed as views.</summary>
public sealed class SqlFeatureTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    private async Task SqlFeatureAsync(string name, string sql, params string[] upstream)
    {
        var body = FeatureApi.Minimal(name, type: "derived");
        body["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = sql };
        body["upstream_features"] = new JsonArray(upstream.Select(u => (JsonNode)u!).ToArray());
        await _client.CreateAsync(body);
    }

    private async Task<string> CloseAsync(string name)
    {
        await _client.CreateAsync(FeatureApi.Minimal(name));
        await _client.IngestAsync(name, Enumerable.Range(0, 10).SelectMany(d => new[] { Row("AAPL", Day(d), 100 + d), Row("MSFT", Day(d), 200 + 2 * d) }).ToArray());
        return name;
    }

    [Fact]
    public async Task Materialize_runs_the_sql_over_upstream_values_and_stamps_the_current_version()
    {
        var close = await CloseAsync("sql_close");
        await SqlFeatureAsync("sql_ma_2", $"""
            SELECT entity_id, event_ts,
                   avg(value) OVER (PARTITION BY entity_id ORDER BY event_ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS value
            FROM {close};
            """, close);
        var result = (await (await _client.PostAsync($"{FeatureApi.Url}/sql_ma_2/materialize", null)).ExpectAsync(200))!;
        Assert.Equal(20, (long)result["rows_written"]!);
        Assert.Equal("1.0.0", (string)result["feature_version"]!);
        var aapl = await _client.ReadValuesAsync("sql_ma_2", "?entity_id=AAPL");
        Assert.Equal(100.0, (double)aapl[0]!["value"]!);
        Assert.Equal(100.5, (double)aapl[1]!["value"]!);
        Assert.Equal(108.5, (double)aapl[9]!["value"]!);

        // Upstream corrections flow through on the next run; unchanged rows are not rewritten.
        await _client.IngestAsync(close, Row("AAPL", Day(9), 120));
        var again = (await (await _client.PostAsync($"{FeatureApi.Url}/sql_ma_2/materialize?from={Day(5)}", null)).ExpectAsync(200))!;
        Assert.Equal(10, (long)again["rows_received"]!);
        Assert.Equal(1, (long)again["rows_written"]!);
        Assert.Equal(114.0, (double)(await _client.ReadValuesAsync("sql_ma_2", "?entity_id=AAPL"))[9]!["value"]!);
    }

    [Fact]
    public async Task Sql_reading_an_undeclared_feature_is_refused_so_lineage_stays_true()
    {
        var close = await CloseAsync("sql_close_2");
        await _client.CreateAsync(FeatureApi.Minimal("sql_volume"));
        const string sql = "SELECT c.entity_id, c.event_ts, c.value * v.value AS value FROM sql_close_2 c JOIN sql_volume v USING (entity_id, event_ts)";

        // Refused when it is registered, not at its first materialize.
        var body = FeatureApi.Minimal("sql_sneaky", type: "derived");
        body["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = sql };
        body["upstream_features"] = new JsonArray(close);
        var problem = await (await _client.PostJsonAsync(FeatureApi.Url, body.ToJsonString())).ExpectProblemAsync(422);
        Assert.Equal(["sql_volume"], problem["undeclared_upstream"]!.AsArray().Select(n => (string)n!));
        await (await _client.GetAsync($"{FeatureApi.Url}/sql_sneaky")).ExpectProblemAsync(404);

        // Declaring it makes the same SQL acceptable; dropping it again later is refused, since the SQL still reads it.
        await SqlFeatureAsync("sql_sneaky", sql, close, "sql_volume");
        await (await _client.PostAsync($"{FeatureApi.Url}/sql_sneaky/materialize", null)).ExpectAsync(200);
        var dropped = await (await _client.PutJsonAsync($"{FeatureApi.Url}/sql_sneaky", """{"upstream_features": ["sql_close_2"]}""")).ExpectProblemAsync(422);
        Assert.Equal(["sql_volume"], dropped["undeclared_upstream"]!.AsArray().Select(n => (string)n!));
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')", "read_csv")]
    [InlineData("SELECT entity_id, event_ts, value FROM features.sql_close_3", "name alone")]
    [InlineData("DELETE FROM sql_close_3", "single SELECT")]
    [InlineData("SELECT 1; SELECT 2", "exactly one")]
    [InlineData("SELEC nothing", "single SELECT")]
    [InlineData("SELECT entity_id, value FROM sql_close_3", "event_ts")]
    [InlineData("SELECT entity_id, event_ts, 'x' AS value FROM sql_close_3", "cannot be stored")]
    [InlineData("SELECT entity_id, event_ts, value / 0 AS value FROM sql_close_3 WHERE nosuchcolumn", "DuckDB")]
    public async Task Unsafe_or_broken_sql_is_a_422_naming_the_reason(string sql, string expected)
    {
        await CloseAsync("sql_close_3").ContinueWith(_ => { }); // created by the first case
        var name = $"sql_bad_{Math.Abs(sql.GetHashCode()) % 1000000}";
        var body = FeatureApi.Minimal(name, type: "derived");
        body["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = sql };
        body["upstream_features"] = new JsonArray("sql_close_3");
        // What the check can see is refused at registration; what only running shows (columns, types), at materialize.
        var created = await _client.PostJsonAsync(FeatureApi.Url, body.ToJsonString());
        var problem = (int)created.StatusCode == 422
            ? await created.ExpectProblemAsync(422)
            : await (await _client.PostAsync($"{FeatureApi.Url}/{name}/materialize", null)).ExpectProblemAsync(422);
        Assert.Contains(expected, problem.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("root:", problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_sql_features_materialize()
    {
        await _client.CreateAsync(FeatureApi.Minimal("sql_plain"));
        await (await _client.PostAsync($"{FeatureApi.Url}/sql_plain/materialize", null)).ExpectProblemAsync(422);
        await (await _client.PutAsync($"{FeatureApi.Url}/sql_plain/view", null)).ExpectProblemAsync(422);
    }

    [Fact]
    public async Task A_sql_feature_can_be_exposed_as_its_duckdb_view()
    {
        var close = await CloseAsync("sql_close_4");
        await SqlFeatureAsync("sql_doubled", $"SELECT entity_id, event_ts, 2 * value AS value FROM {close}", close);
        var view = (await (await _client.PutAsync($"{FeatureApi.Url}/sql_doubled/view", null)).ExpectAsync(200))!;
        Assert.Equal("feature_views.sql_doubled", (string)view["duckdb_view"]!);

        // The view is live: it reads the upstream's current values whenever it is queried.
        await _client.IngestAsync(close, Row("AAPL", Day(0), 150));
        var db = api.Services.GetRequiredService<DuckDbDatabase>();
        using var c = db.Rent();
        using var r = c.Query("SELECT count(*), max(value) FILTER (WHERE entity_id = 'AAPL' AND event_ts = TIMESTAMP '2024-01-01 21:00:00') FROM feature_views.sql_doubled");
        r.Read();
        Assert.Equal(20, r.GetInt64(0));
        Assert.Equal(300.0, r.GetDouble(1));
    }
}
