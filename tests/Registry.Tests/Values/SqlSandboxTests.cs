using DuckDB.NET.Data;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Registry.DuckDb;
using Registry.DuckDb.Values;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>
/// An attacker with an ordinary write key against the value store (issue 15, ADR 0019): SQL features that try to read
/// the host, the engine or another feature's data, hostile DuckDB names, and what the engine itself refuses when a
/// check misses. Each attack is a 4xx problem that carries neither the secret nor the path, and afterwards every other
/// feature still ingests and reads.
/// </summary>
public sealed class SqlSandboxTests : IClassFixture<RegistryApiFactory>, IAsyncLifetime
{
    private const string Secret = "s3cr3t-row-content";
    private readonly RegistryApiFactory _api;
    private HttpClient _writer = null!;
    private readonly string _outside = Path.Combine(Path.GetTempPath(), $"registry-secret-{Guid.NewGuid():N}.csv");
    private string _staged = "";

    public SqlSandboxTests(RegistryApiFactory api) => _api = api;

    public async Task InitializeAsync()
    {
        _writer = await _api.CreateClientWithScopeAsync("write");
        await File.WriteAllTextAsync(_outside, $"entity_id,event_ts,value\n{Secret},2024-01-01 00:00:00,1\n");
        // A "staged upload" of someone else: inside the one folder the engine may read, so only the check protects it.
        var staging = _api.Services.GetRequiredService<StagingArea>();
        _staged = staging.NewFile("upload", "csv");
        await File.WriteAllTextAsync(_staged, $"entity_id,event_ts,value\n{Secret},2024-01-01 00:00:00,1\n");
        using var admin = _api.CreateClient();
        await admin.CreateAsync(FeatureApi.Minimal("sbx_close"), allowExisting: true);
        await admin.CreateAsync(FeatureApi.Minimal("sbx_other"), allowExisting: true);
        await admin.IngestAsync("sbx_close", Row("AAPL", Day(0), 100), Row("AAPL", Day(1), 101));
        await admin.IngestAsync("sbx_other", Row("AAPL", Day(0), 7));
        await EnsureLegitAsync();
    }

    public Task DisposeAsync()
    {
        File.Delete(_outside);
        File.Delete(_staged);
        return Task.CompletedTask;
    }

    private const string Cols = "CAST(entity_id AS VARCHAR) AS entity_id, CAST(event_ts AS TIMESTAMP) AS event_ts, CAST(value AS DOUBLE) AS value";

    /// <summary>{path} is replaced by a file outside every allowed folder, {staged} by an upload in the staging folder.</summary>
    public static TheoryData<string> HostileSql => new()
    {
        // The finding: a quoted path passes when a CTE of that name is declared in another scope.
        $"SELECT {Cols} FROM '{{path}}' UNION ALL SELECT * FROM (WITH \"{{path}}\" AS (SELECT 1) SELECT entity_id, event_ts, value FROM sbx_close)",
        $"SELECT {Cols} FROM '{{staged}}' UNION ALL SELECT * FROM (WITH \"{{staged}}\" AS (SELECT 1) SELECT entity_id, event_ts, value FROM sbx_close)",
        // Quoted paths in every clause.
        $"SELECT {Cols} FROM '{{path}}'",
        $"SELECT {Cols} FROM \"{{staged}}\"",
        $"SELECT c.entity_id, c.event_ts, c.value FROM sbx_close c JOIN '{{path}}' f ON true",
        $"SELECT * FROM (SELECT {Cols} FROM '{{path}}') s",
        $"WITH x AS (SELECT {Cols} FROM '{{path}}') SELECT * FROM x",
        $"SELECT c.entity_id, c.event_ts, c.value FROM sbx_close c, LATERAL (SELECT * FROM '{{path}}') f",
        $"SELECT entity_id, event_ts, value FROM sbx_close WHERE entity_id IN (SELECT entity_id FROM '{{path}}')",
        $"SELECT entity_id, event_ts, (SELECT max(value) FROM '{{path}}') AS value FROM sbx_close",
        // A CTE hides a name only where it is visible: not in its own body, not before it is declared.
        "WITH duckdb_settings AS (SELECT * FROM duckdb_settings) SELECT 'x' AS entity_id, TIMESTAMP '2024-01-01' AS event_ts, 1.0 AS value FROM duckdb_settings",
        "WITH RECURSIVE sbx_other AS (SELECT * FROM sbx_other) SELECT * FROM sbx_other",
        "WITH a AS (SELECT * FROM b), b AS (SELECT * FROM sbx_close) SELECT * FROM a",
        // Table functions, the catalog and the engine's settings.
        "SELECT * FROM read_csv('{path}')",
        "SELECT * FROM read_csv_auto('{staged}')",
        "SELECT * FROM read_text('{path}')",
        "SELECT * FROM read_blob('{path}')",
        "SELECT * FROM read_parquet('{path}')",
        "SELECT * FROM parquet_scan('{path}')",
        "SELECT * FROM glob('/*')",
        "SELECT * FROM sniff_csv('{path}')",
        "SELECT * FROM duckdb_tables()",
        "SELECT * FROM duckdb_settings()",
        "SELECT * FROM query('SELECT 1')",
        "SELECT entity_id, event_ts, value FROM sbx_close WHERE current_setting('allowed_directories') IS NOT NULL",
        "SELECT entity_id, event_ts, length(getvariable('x')) AS value FROM sbx_close",
        // Other statements, alone, after a SELECT, or hidden behind comments.
        "ATTACH '{path}' AS stolen",
        "COPY (SELECT 1) TO '{path}.out'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "RESET memory_limit",
        "PRAGMA memory_limit = '100GB'",
        "CALL duckdb_settings()",
        "EXPORT DATABASE '{path}.dir'",
        "SELECT entity_id, event_ts, value FROM sbx_close; ATTACH '{path}' AS stolen",
        "SELECT entity_id, event_ts, value FROM sbx_close /* comment */; SET enable_external_access = true -- hidden",
        // The network.
        $"SELECT {Cols} FROM 'http://127.0.0.1:9/x.csv'",
        $"SELECT {Cols} FROM 'https://example.com/x.parquet'",
        $"SELECT {Cols} FROM 's3://bucket/x.parquet'",
        // Qualified names: another feature's table, the store's own objects, the catalog.
        "SELECT entity_id, event_ts, value FROM features.sbx_other",
        "SELECT entity_id, event_ts, value FROM registry_latest.sbx_other",
        "SELECT entity_id, event_ts, value FROM \"values\".features.sbx_other",
        "SELECT * FROM system.main.duckdb_settings",
        "SELECT * FROM information_schema.tables",
        "SELECT entity_id, event_ts, main.abs(value) AS value FROM sbx_close",
        // Placeholders would take the registry's own parameters (contract, range) around the SQL.
        "SELECT entity_id, event_ts, CAST(? AS DOUBLE) AS value FROM sbx_close",
        "SELECT entity_id, event_ts, CAST($1 AS DOUBLE) AS value FROM sbx_close",
        "SELECT entity_id, event_ts, CAST($x AS DOUBLE) AS value FROM sbx_close",
        // Statements that look like relations.
        "SELECT * FROM (DESCRIBE sbx_close)",
        "SUMMARIZE SELECT * FROM sbx_close",
        "PIVOT sbx_close ON entity_id USING sum(value)",
        "SET VARIABLE x = 1",
        // Another feature by name, undeclared.
        "SELECT entity_id, event_ts, value FROM sbx_other",
    };

    [Theory]
    [MemberData(nameof(HostileSql))]
    public async Task A_hostile_sql_feature_is_refused_at_registration_without_leaking(string template)
    {
        var sql = template.Replace("{path}", _outside, StringComparison.Ordinal).Replace("{staged}", _staged, StringComparison.Ordinal);
        var name = $"sbx_{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(template)))[..12]}";
        var body = FeatureApi.Minimal(name, type: "derived");
        body["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = sql };
        body["upstream_features"] = new JsonArray("sbx_close");
        var response = await _writer.PostJsonAsync(FeatureApi.Url, body.ToJsonString());
        var problem = await response.ExpectProblemAsync(422);
        AssertNoLeak(problem);
        await (await _writer.GetAsync($"{FeatureApi.Url}/{name}")).ExpectProblemAsync(404);

        // The same SQL as a new version of an existing SQL feature is refused too.
        var version = new JsonObject { ["bump"] = "minor", ["created_by"] = "attacker", ["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = sql } };
        var versioned = await (await _writer.PostJsonAsync($"{FeatureApi.Url}/sbx_legit/versions", version.ToJsonString())).ExpectProblemAsync(422);
        AssertNoLeak(versioned);
        await StillWorksAsync();
    }

    [Fact]
    public async Task An_existing_and_a_missing_path_get_the_same_answer()
    {
        async Task<string> Detail(string path)
        {
            var body = FeatureApi.Minimal($"sbx_exists_{Guid.NewGuid():N}"[..30], type: "derived");
            body["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = $"SELECT {Cols} FROM '{path}'" };
            body["upstream_features"] = new JsonArray("sbx_close");
            var problem = await (await _writer.PostJsonAsync(FeatureApi.Url, body.ToJsonString())).ExpectProblemAsync(422);
            return (string)problem["detail"]!;
        }
        Assert.Equal(await Detail(_outside), await Detail(_outside + ".missing"));
        Assert.Equal(await Detail("/etc/passwd"), await Detail("/etc/no-such-file"));
    }

    [Fact]
    public async Task A_legitimate_sql_feature_with_ctes_subqueries_and_recursion_still_runs()
    {
        await EnsureLegitAsync();
        const string sql = """
            WITH RECURSIVE steps(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM steps WHERE n < 3),
                 base AS (SELECT entity_id, event_ts, value FROM sbx_close) -- a comment
            SELECT b.entity_id, b.event_ts, b.value + (SELECT max(n) FROM steps) AS value
            FROM base b WHERE b.entity_id IN (SELECT entity_id FROM sbx_close)
            """;
        var body = FeatureApi.Minimal("sbx_fancy", type: "derived");
        body["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = sql };
        body["upstream_features"] = new JsonArray("sbx_close");
        await _writer.CreateAsync(body, allowExisting: true);
        var result = (await (await _writer.PostAsync($"{FeatureApi.Url}/sbx_fancy/materialize", null)).ExpectAsync(200))!;
        Assert.Equal(2, (long)result["rows_written"]!);
        Assert.Equal(103.0, (double)(await _writer.ReadValuesAsync("sbx_fancy", "?entity_id=AAPL"))[0]!["value"]!);
    }

    [Fact]
    public async Task A_comment_cannot_close_what_surrounds_the_sql()
    {
        // Harmless as written (the rest is a comment); only the engine's own printing of it runs, so it stays harmless.
        var body = FeatureApi.Minimal("sbx_commented", type: "derived");
        body["transformation"] = new JsonObject
        {
            ["transformation_type"] = "sql",
            ["code"] = $"SELECT entity_id, event_ts, value FROM sbx_close -- ) AS q, read_csv('{_outside}') AS z",
        };
        body["upstream_features"] = new JsonArray("sbx_close");
        await _writer.CreateAsync(body, allowExisting: true);
        var result = (await (await _writer.PostAsync($"{FeatureApi.Url}/sbx_commented/materialize", null)).ExpectAsync(200))!;
        Assert.Equal(2, (long)result["rows_received"]!);
        Assert.All(await _writer.ReadValuesAsync("sbx_commented"), v => Assert.Equal("AAPL", (string)v!["entity_id"]!));
    }

    [Fact]
    public async Task Deeply_nested_sql_is_checked_when_real_and_a_422_when_absurd()
    {
        // A 60-term sum is a left-deep tree far deeper than a JSON reader's default limit: it must pass.
        var sum = string.Join(" + ", Enumerable.Range(0, 60).Select(i => $"value * {i}"));
        var body = FeatureApi.Minimal("sbx_long_sum", type: "derived");
        body["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = $"SELECT entity_id, event_ts, {sum} AS value FROM sbx_close" };
        body["upstream_features"] = new JsonArray("sbx_close");
        await _writer.CreateAsync(body, allowExisting: true);
        await (await _writer.PostAsync($"{FeatureApi.Url}/sbx_long_sum/materialize", null)).ExpectAsync(200);

        // Past what the check walks (or DuckDB parses): a 422, never the JSON reader's exception as a 500.
        foreach (var (name, expression) in new[]
                 {
                     ("sbx_deep_calls", string.Concat(Enumerable.Repeat("abs(", 1500)) + "value" + new string(')', 1500)),
                     ("sbx_deep_subqueries", string.Concat(Enumerable.Repeat("(SELECT ", 800)) + "1" + new string(')', 800)),
                 })
        {
            var deep = FeatureApi.Minimal(name, type: "derived");
            deep["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = $"SELECT entity_id, event_ts, {expression} AS value FROM sbx_close" };
            deep["upstream_features"] = new JsonArray("sbx_close");
            AssertNoLeak(await (await _writer.PostJsonAsync(FeatureApi.Url, deep.ToJsonString())).ExpectProblemAsync(422));
        }
        await StillWorksAsync();
    }

    public static TheoryData<string, string> HostileNames => new()
    {
        { "duckdb_table", "temp.t1" },
        { "duckdb_view", "temp.v" },
        { "duckdb_table", "main.t" },
        { "duckdb_table", "system.t" },
        { "duckdb_table", "information_schema.t" },
        { "duckdb_table", "pg_catalog.t" },
        { "duckdb_table", "values.t" },
        { "duckdb_table", "registry_latest.sbx_close" },
        { "duckdb_table", "features.sbx_other" },
        { "duckdb_table", "features.some_future_feature" },
        { "duckdb_view", "features.sbx_other" },
        { "duckdb_view", "feature_views.sbx_other" },
        { "duckdb_view", "features.sbx_other_view" },
        { "duckdb_table", "\"features\".\"sbx_named\"" },
        { "duckdb_table", "features.\"sbx_named\"" },
        { "duckdb_table", "FEATURES.SBX_NAMED" },
        { "duckdb_table", "features.sbx_named; DROP TABLE features.sbx_other" },
        { "duckdb_table", "features." + new string('a', 300) },
        { "duckdb_view", "feature_views." + new string('a', 300) },
        { "duckdb_table", "features.sbx_named#entity" },
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task A_duckdb_name_outside_the_features_own_is_a_400_naming_the_field(string field, string value)
    {
        var body = FeatureApi.Minimal("sbx_named");
        body[field] = value;
        var problem = await (await _writer.PostJsonAsync(FeatureApi.Url, body.ToJsonString())).ExpectProblemAsync(400);
        Assert.True(problem["errors"]![field] is not null, problem.ToJsonString());
        await StillWorksAsync();
    }

    [Fact]
    public async Task The_features_own_names_are_accepted_and_recorded()
    {
        var body = FeatureApi.Minimal("sbx_own_names");
        body["duckdb_table"] = "features.sbx_own_names";
        body["duckdb_view"] = "feature_views.sbx_own_names";
        var created = await _writer.CreateAsync(body, allowExisting: true);
        Assert.Equal("features.sbx_own_names", (string)created["duckdb_table"]!);
        Assert.Equal("feature_views.sbx_own_names", (string)created["duckdb_view"]!);
    }

    [Fact]
    public async Task An_object_squatting_a_features_table_name_is_a_409_and_others_keep_working()
    {
        // As an old registry (or an operator) could have left it: a view where a future feature's table goes.
        var db = _api.Services.GetRequiredService<DuckDbDatabase>();
        using (var c = db.Rent()) c.Execute("CREATE SCHEMA IF NOT EXISTS features; CREATE OR REPLACE VIEW features.sbx_squatted AS SELECT 1 AS x");
        await _writer.CreateAsync(FeatureApi.Minimal("sbx_squatted"), allowExisting: true);
        var problem = await (await _writer.PostRowsAsync("sbx_squatted", [Row("AAPL", Day(0), 1)])).ExpectProblemAsync(409);
        Assert.Contains("features.sbx_squatted", (string)problem["detail"]!, StringComparison.Ordinal);
        await StillWorksAsync();
    }

    [Fact]
    public async Task A_view_never_replaces_an_object_it_does_not_own()
    {
        await EnsureLegitAsync();
        var db = _api.Services.GetRequiredService<DuckDbDatabase>();
        using (var c = db.Rent()) c.Execute("CREATE SCHEMA IF NOT EXISTS feature_views; CREATE TABLE IF NOT EXISTS feature_views.sbx_legit (x INTEGER)");
        try
        {
            await (await _writer.PutAsync($"{FeatureApi.Url}/sbx_legit/view", null)).ExpectProblemAsync(409);
            using var c = db.Rent();
            using var r = c.Query("SELECT table_type FROM information_schema.tables WHERE table_schema = 'feature_views' AND table_name = 'sbx_legit'");
            Assert.True(r.Read());
            Assert.Equal("BASE TABLE", r.GetString(0));
        }
        finally
        {
            using var c = db.Rent();
            c.Execute("DROP TABLE IF EXISTS feature_views.sbx_legit");
        }
        var view = (await (await _writer.PutAsync($"{FeatureApi.Url}/sbx_legit/view", null)).ExpectAsync(200))!;
        Assert.Equal("feature_views.sbx_legit", (string)view["duckdb_view"]!);
    }

    public static TheoryData<string> EngineRefusals => new()
    {
        "SELECT * FROM read_csv('{path}')",
        "SELECT * FROM '{path}'",
        "SELECT * FROM glob('/etc/*')",
        "ATTACH '{path}.db' AS stolen",
        "COPY (SELECT 42) TO '{path}.out'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SELECT * FROM 'http://127.0.0.1:9/x.csv'",
        "SET GLOBAL enable_external_access = true",
        "SET allowed_directories = ['/']",
        "SET memory_limit = '100GB'",
        "RESET lock_configuration",
        "PRAGMA enable_external_access = true",
        "SET lock_configuration = false",
    };

    /// <summary>Behind the check: the engine of the running API refuses on its own, whatever SQL reaches it.</summary>
    [Theory]
    [MemberData(nameof(EngineRefusals))]
    public void The_engine_itself_refuses_the_host_the_network_and_its_settings(string template)
    {
        var sql = template.Replace("{path}", _outside, StringComparison.Ordinal);
        var db = _api.Services.GetRequiredService<DuckDbDatabase>();
        using var c = db.Rent();
        var e = Assert.Throws<DuckDBException>(() => c.Execute(sql));
        Assert.DoesNotContain(Secret, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_outside + ".out"));
        Assert.False(File.Exists(_outside + ".db"));
    }

    [Fact]
    public void The_engine_reads_its_staging_folder_and_nothing_beside_it()
    {
        var db = _api.Services.GetRequiredService<DuckDbDatabase>();
        using var c = db.Rent();
        using (var r = c.Query($"SELECT count(*) FROM read_csv('{_staged}')"))
        {
            Assert.True(r.Read());
            Assert.Equal(1, r.GetInt64(0));
        }
        var staging = _api.Services.GetRequiredService<StagingArea>().Directory;
        Assert.Throws<DuckDBException>(() => c.Execute($"SELECT * FROM read_csv('{staging}/../{Path.GetFileName(staging)}x/a.csv')"));
        Assert.Throws<DuckDBException>(() => c.Execute($"SELECT * FROM read_csv('{staging}/../../{Path.GetFileName(_outside)}')"));
        using var s = c.Query("SELECT current_setting('enable_external_access'), current_setting('lock_configuration'), current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')");
        Assert.True(s.Read());
        Assert.Equal([false, true, false, false], [s.GetBoolean(0), s.GetBoolean(1), s.GetBoolean(2), s.GetBoolean(3)]);
    }

    [Fact]
    public async Task Staging_is_private_and_left_empty()
    {
        var staging = _api.Services.GetRequiredService<StagingArea>().Directory;
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(staging));
        var csv = "entity_id,event_ts,value\nMSFT,2024-01-05T00:00:00Z,3\n";
        await (await _writer.PostCsvAsync("sbx_other", csv)).ExpectAsync(200);
        (await _writer.GetAsync($"{ValuesUrl("sbx_other")}?format=parquet")).EnsureSuccessStatusCode();
        Assert.Equal([Path.GetFileName(_staged)], Directory.GetFiles(staging).Select(Path.GetFileName));
    }

    private async Task EnsureLegitAsync()
    {
        var body = FeatureApi.Minimal("sbx_legit", type: "derived");
        body["transformation"] = new JsonObject { ["transformation_type"] = "sql", ["code"] = "SELECT entity_id, event_ts, 2 * value AS value FROM sbx_close" };
        body["upstream_features"] = new JsonArray("sbx_close");
        await _writer.CreateAsync(body, allowExisting: true);
    }

    private void AssertNoLeak(JsonNode problem)
    {
        var text = problem.ToJsonString();
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetDirectoryName(_staged)!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(_outside, text, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", text, StringComparison.Ordinal);
    }

    /// <summary>Every other feature still ingests (JSON and CSV), materializes and reads, and nothing read the secret.</summary>
    private async Task StillWorksAsync()
    {
        await EnsureLegitAsync();
        await _writer.IngestAsync("sbx_other", Row("MSFT", Day(2), 5));
        await (await _writer.PostCsvAsync("sbx_other", "entity_id,event_ts,value\nMSFT,2024-01-04T00:00:00Z,4\n")).ExpectAsync(200);
        await (await _writer.PostAsync($"{FeatureApi.Url}/sbx_legit/materialize", null)).ExpectAsync(200);
        var values = await _writer.ReadValuesAsync("sbx_legit");
        Assert.All(values, v => Assert.NotEqual(Secret, (string)v!["entity_id"]!));
        Assert.NotEmpty(await _writer.ReadValuesAsync("sbx_other", "?entity_id=MSFT"));
        await (await _writer.GetAsync("/health/ready")).ExpectAsync(200);
    }
}
