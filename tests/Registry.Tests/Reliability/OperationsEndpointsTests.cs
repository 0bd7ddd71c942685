using System.Globalization;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Reliability;

/// <summary>/health/live, /health/ready and /metrics on the real API.</summary>
public sealed class OperationsEndpointsTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Readiness_reports_each_database_and_liveness_touches_none()
    {
        await factory.ValuesOpenAsync();
        var response = await _client.GetAsync("/health/ready");
        var ready = (await response.ExpectAsync(200))!;
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("healthy", (string?)ready["status"]);
        Assert.Equal("healthy", (string?)ready["checks"]!["postgresql"]!["status"]);
        Assert.Equal("healthy", (string?)ready["checks"]!["duckdb"]!["status"]);
        Assert.True((double)ready["checks"]!["postgresql"]!["duration_ms"]! >= 0);

        var live = (await (await _client.GetAsync("/health/live")).ExpectAsync(200))!;
        Assert.Equal("healthy", (string?)live["status"]);
        Assert.Empty(live["checks"]!.AsObject());
    }

    [Fact]
    public async Task Health_probes_are_anonymous_and_metrics_need_a_read_key()
    {
        using var anonymous = factory.CreateAnonymousClient();
        await factory.ValuesOpenAsync();
        await (await anonymous.GetAsync("/health/live")).ExpectAsync(200);
        await (await anonymous.GetAsync("/health/ready")).ExpectAsync(200);
        await (await anonymous.GetAsync("/metrics")).ExpectProblemAsync(401);
        using var metrics = await _client.GetAsync("/metrics");
        Assert.Equal(200, (int)metrics.StatusCode);
    }

    [Fact]
    public async Task Operations_endpoints_are_not_in_the_openapi_document()
    {
        var doc = (await (await _client.GetAsync("/swagger/v1/swagger.json")).ExpectAsync(200))!;
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.DoesNotContain(paths, p => p.StartsWith("/health", StringComparison.Ordinal) || p == "/metrics");
    }

    [Fact]
    public async Task Metrics_show_requests_by_route_and_status_rows_ingested_and_rejected_and_database_timings()
    {
        await _client.CreateAsync(FeatureApi.Minimal("metrics_close"));
        var before = Samples(await ScrapeAsync());
        await _client.IngestAsync("metrics_close", Row("AAPL", Day(0), 1.5), Row("AAPL", Day(1), 2.5), Row("MSFT", Day(0), 3.5));
        await (await _client.PostRowsAsync("metrics_close", [Row("AAPL", Day(2), "not a number"), Row("AAPL", Day(3), 1)])).ExpectProblemAsync(400);
        await (await _client.GetAsync($"{FeatureApi.Url}/metrics_missing")).ExpectProblemAsync(404);

        var text = await ScrapeAsync();
        var after = Samples(text);
        double Delta(string sample) => after.GetValueOrDefault(sample) - before.GetValueOrDefault(sample);

        // Requests: by route template (never the raw path), method and status.
        const string ingest = "http_server_request_duration_seconds_count{http_request_method=\"POST\",http_response_status_code=\"200\",http_route=\"api/v1/features/{feature_name}/values\"}";
        Assert.Equal(1, Delta(ingest));
        Assert.Equal(1, Delta("http_server_request_duration_seconds_count{http_request_method=\"POST\",http_response_status_code=\"400\",http_route=\"api/v1/features/{feature_name}/values\"}"));
        Assert.True(Delta("http_server_request_duration_seconds_count{http_request_method=\"GET\",http_response_status_code=\"404\",http_route=\"api/v1/features/{feature_name}\"}") >= 1);
        Assert.DoesNotContain("metrics_missing", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Equal(1, Delta(ingest.Replace("_count{", "_bucket{", StringComparison.Ordinal)[..^1] + ",le=\"+Inf\"}"));

        // Rows (process-wide counters: tests running in parallel may add to them).
        Assert.True(Delta("registry_values_rows_ingested_total{result=\"written\"}") >= 3);
        Assert.True(Delta("registry_values_rows_rejected_total{reason=\"invalid_rows\"}") >= 2);

        // Database timings: Npgsql's commands on the registry's pool, DuckDB's statements by kind.
        Assert.Contains(after.Keys, k => k.StartsWith("db_client_operation_duration_seconds_count{", StringComparison.Ordinal)
                                         && k.Contains("db_client_connection_pool_name=\"registry\"", StringComparison.Ordinal));
        Assert.True(after.GetValueOrDefault("registry_duckdb_statement_duration_seconds_count{statement=\"insert\"}") >= 1);
        Assert.True(after.GetValueOrDefault("registry_duckdb_statement_duration_seconds_count{statement=\"commit\"}") >= 1);
    }

    [Fact]
    public async Task Metrics_show_what_DuckDB_and_the_runtime_hold_and_each_collection()
    {
        await _client.CreateAsync(FeatureApi.Minimal("metrics_memory"));
        await _client.IngestAsync("metrics_memory", Row("AAPL", Day(0), 1.5), Row("MSFT", Day(0), 2.5));
        await (await _client.GetAsync($"{FeatureApi.Url}/metrics_memory/values/latest?entity_id=AAPL")).ExpectAsync(200);
        var before = Samples(await ScrapeAsync());
        GC.Collect(2, GCCollectionMode.Forced, blocking: true); // the test server runs in this process
        var text = await ScrapeAsync();
        var after = Samples(text);

        // DuckDB's own accounting, by tag: the values file's blocks this API read and wrote are held in its buffer pool.
        Assert.True(after.GetValueOrDefault("registry_duckdb_memory_usage_bytes{tag=\"BASE_TABLE\"}") > 0, text);
        Assert.Contains("# TYPE registry_duckdb_memory_usage_bytes gauge", text, StringComparison.Ordinal);
        Assert.DoesNotContain(after, s => s.Key.StartsWith("registry_duckdb_memory_usage_bytes", StringComparison.Ordinal) && s.Value <= 0);
        // The runtime's: the process's memory, the heap by generation, and every collection counted.
        Assert.True(after["dotnet_process_memory_working_set_bytes"] > 0);
        Assert.True(after["dotnet_gc_last_collection_heap_size_bytes{gc_heap_generation=\"gen2\"}"] > 0);
        Assert.True(after["dotnet_gc_collections_total{gc_heap_generation=\"gen2\"}"] - before.GetValueOrDefault("dotnet_gc_collections_total{gc_heap_generation=\"gen2\"}") >= 1);
        Assert.True(after["dotnet_gc_heap_total_allocated_bytes_total"] > 0);
        Assert.True(after["dotnet_gc_last_collection_memory_committed_size_bytes"] >= after["dotnet_gc_last_collection_heap_size_bytes{gc_heap_generation=\"gen2\"}"]);
        Assert.Contains("# TYPE dotnet_gc_pause_time_seconds_total counter", text, StringComparison.Ordinal);
    }

    private async Task<string> ScrapeAsync()
    {
        var response = await _client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return text;
    }

    /// <summary>Every sample line as name{labels} → value; also checks each line is a comment or a well-formed sample.</summary>
    private static Dictionary<string, double> Samples(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal)) continue;
            var space = line.LastIndexOf(' ');
            Assert.True(space > 0, line);
            Assert.Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\.)*\",?)*\\})?$", line[..space]);
            samples[line[..space]] = double.Parse(line[(space + 1)..].Replace("+Inf", "Infinity", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        }
        return samples;
    }
}
