using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.Operations;
using Registry.Core.Common;

namespace Registry.Tests.Reliability;

/// <summary>The text exposition format, checked line by line against what Prometheus parses.</summary>
public sealed class PrometheusTextTests
{
    [Theory]
    [InlineData("http.server.request.duration", "s", MetricKind.Histogram, "http_server_request_duration_seconds")]
    [InlineData("registry.values.rows_ingested", "{row}", MetricKind.Counter, "registry_values_rows_ingested_total")]
    [InlineData("db.client.operation.npgsql.bytes_read", "By", MetricKind.Counter, "db_client_operation_npgsql_bytes_read_bytes_total")]
    [InlineData("db.client.connection.count", "{connection}", MetricKind.Gauge, "db_client_connection_count")]
    [InlineData("already_seconds", "s", MetricKind.Gauge, "already_seconds")]
    [InlineData("requests_total", null, MetricKind.Counter, "requests_total")]
    [InlineData("9lives-and.more", null, MetricKind.Gauge, "_9lives_and_more")]
    public void Instrument_names_become_prometheus_names(string instrument, string? unit, MetricKind kind, string expected) =>
        Assert.Equal(expected, PrometheusText.MetricName(instrument, unit, kind));

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline_and_labels_are_sorted()
    {
        Assert.Equal(@"a\\b\""c\nd", PrometheusText.EscapeLabelValue("a\\b\"c\nd"));
        Assert.Equal("http_route=\"api/v1/{x}\",z=\"1\"",
            PrometheusText.Labels([new("z", "1"), new("http.route", "api/v1/{x}")]));
        Assert.Equal(@"line one\nback\\slash ""quoted""", PrometheusText.EscapeHelp("line one\nback\\slash \"quoted\""));
    }

    [Fact]
    public void A_histogram_has_cumulative_buckets_then_inf_sum_and_count()
    {
        var text = new System.Text.StringBuilder();
        PrometheusText.WriteHeader(text, "latency_seconds", "How long.", MetricKind.Histogram);
        PrometheusText.WriteHistogram(text, "latency_seconds", "route=\"a\"", [0.1, 1], [2, 1], 1.75, 4);
        Assert.Equal("""
            # HELP latency_seconds How long.
            # TYPE latency_seconds histogram
            latency_seconds_bucket{route="a",le="0.1"} 2
            latency_seconds_bucket{route="a",le="1"} 3
            latency_seconds_bucket{route="a",le="+Inf"} 4
            latency_seconds_sum{route="a"} 1.75
            latency_seconds_count{route="a"} 4

            """.ReplaceLineEndings("\n"), text.ToString());
    }

    [Fact]
    public void The_collector_keeps_the_route_method_and_status_of_its_own_hosts_requests_only()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var otherHost = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var collector = new MetricsCollector(factory);

        // As ASP.NET Core records it: one meter per host, created by the host's factory.
        KeyValuePair<string, object?>[] tags =
        [
            new("http.request.method", "GET"), new("http.route", "api/v1/things/{id}"), new("http.response.status_code", 200),
            new("url.scheme", "http"), new("network.protocol.version", "1.1"),
        ];
        var duration = factory.Create("Microsoft.AspNetCore.Hosting").CreateHistogram<double>("http.server.request.duration", "s", "Duration of HTTP server requests.");
        duration.Record(0.003, tags);
        duration.Record(2.0, tags);
        otherHost.GetRequiredService<IMeterFactory>().Create("Microsoft.AspNetCore.Hosting")
            .CreateHistogram<double>("http.server.request.duration", "s").Record(1, tags);
        factory.Create("Some.Other.Meter").CreateCounter<long>("other.things").Add(1);

        var lines = collector.Render().Split('\n');
        const string series = "http_request_method=\"GET\",http_response_status_code=\"200\",http_route=\"api/v1/things/{id}\"";
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", lines);
        Assert.Contains("# HELP http_server_request_duration_seconds Duration of HTTP server requests.", lines);
        Assert.Contains($"http_server_request_duration_seconds_bucket{{{series},le=\"0.0025\"}} 0", lines);
        Assert.Contains($"http_server_request_duration_seconds_bucket{{{series},le=\"0.005\"}} 1", lines);
        Assert.Contains($"http_server_request_duration_seconds_bucket{{{series},le=\"1\"}} 1", lines);
        Assert.Contains($"http_server_request_duration_seconds_bucket{{{series},le=\"2.5\"}} 2", lines);
        Assert.Contains($"http_server_request_duration_seconds_bucket{{{series},le=\"+Inf\"}} 2", lines);
        Assert.Contains($"http_server_request_duration_seconds_sum{{{series}}} 2.003", lines);
        Assert.Contains($"http_server_request_duration_seconds_count{{{series}}} 2", lines); // not 3: the other host's request is not ours
        Assert.DoesNotContain(lines, l => l.Contains("url_scheme", StringComparison.Ordinal) || l.Contains("other_things", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tag_set_is_one_series_whatever_its_order_and_other_values_are_other_series()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var collector = new MetricsCollector(factory);
        var duration = factory.Create("Microsoft.AspNetCore.Hosting").CreateHistogram<double>("http.server.request.duration", "s");
        KeyValuePair<string, object?>[] ok = [new("http.request.method", "GET"), new("http.route", "r"), new("http.response.status_code", 200)];
        KeyValuePair<string, object?>[] reordered = [ok[2], new("url.scheme", "http"), ok[0], ok[1]];
        KeyValuePair<string, object?>[] notFound = [ok[0], ok[1], new("http.response.status_code", 404)];

        for (var i = 0; i < 1_000; i++) duration.Record(0.001, i % 2 == 0 ? ok : reordered); // the second time is found by its tags
        duration.Record(0.001, notFound);
        duration.Record(0.001, [ok[0], ok[1], new("http.response.status_code", "200")]); // another type, the same text

        var lines = collector.Render().Split('\n');
        Assert.Contains("http_server_request_duration_seconds_count{http_request_method=\"GET\",http_response_status_code=\"200\",http_route=\"r\"} 1001", lines);
        Assert.Contains("http_server_request_duration_seconds_count{http_request_method=\"GET\",http_response_status_code=\"404\",http_route=\"r\"} 1", lines);
    }

    [Fact]
    public void A_counter_added_to_from_many_threads_at_once_loses_no_add()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var collector = new MetricsCollector(factory);
        var counter = factory.Create(RegistryMetrics.MeterName).CreateCounter<long>("registry.test.concurrent_adds");

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var i = 0; i < 20_000; i++) counter.Add(1, new KeyValuePair<string, object?>("kind", "a"));
        });

        Assert.Contains("registry_test_concurrent_adds_total{kind=\"a\"} 160000", collector.Render().Split('\n'));
    }

    [Fact]
    public void The_registrys_own_counters_are_collected()
    {
        using var collector = new MetricsCollector();
        RegistryMetrics.RowsRejected(7, "invalid_rows");
        var text = collector.Render();
        Assert.Contains("# TYPE registry_values_rows_rejected_total counter\n", text, StringComparison.Ordinal);
        // Process-wide: other tests running in parallel may add to it, never take away.
        var line = text.Split('\n').Single(l => l.StartsWith("registry_values_rows_rejected_total{reason=\"invalid_rows\"} ", StringComparison.Ordinal));
        Assert.True(double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture) >= 7, line);
    }

    [Fact]
    public void Numbers_use_prometheus_spelling()
    {
        Assert.Equal("+Inf", PrometheusText.Number(double.PositiveInfinity));
        Assert.Equal("-Inf", PrometheusText.Number(double.NegativeInfinity));
        Assert.Equal("NaN", PrometheusText.Number(double.NaN));
        Assert.Equal("0.005", PrometheusText.Number(0.005));
        Assert.Equal("1E-05", PrometheusText.Number(0.00001));
    }
}
