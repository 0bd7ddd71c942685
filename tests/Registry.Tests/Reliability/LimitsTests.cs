using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Reliability;

/// <summary>Body limits from configuration: the default one for every request, a larger one for bulk value bodies.</summary>
public sealed class LimitsTests(RegistryApiFactory fixture) : IClassFixture<RegistryApiFactory>
{
    private const int MaxBody = 4_096;
    private const int MaxIngestBody = 64 * 1024;

    // Small limits, so that the test sends kilobytes, not gigabytes.
    // One host per class, on the fixture's own DuckDB file (a host per test would open that file twice in one process).
    private readonly WebApplicationFactory<Program> _factory = Limited(fixture);

    private static RegistryApiFactory Limited(RegistryApiFactory fixture)
    {
        fixture.Settings["Limits:MaxBodyBytes"] = MaxBody.ToString(System.Globalization.CultureInfo.InvariantCulture);
        fixture.Settings["Limits:MaxIngestBodyBytes"] = MaxIngestBody.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return fixture;
    }

    [Fact]
    public async Task A_body_over_the_default_limit_is_a_413_naming_the_limit_and_changes_nothing()
    {
        var client = _factory.CreateClient();
        var body = FeatureApi.Minimal("limits_too_large");
        body["description"] = new string('x', MaxBody);
        var problem = await (await client.PostJsonAsync(FeatureApi.Url, body.ToJsonString())).ExpectProblemAsync(413);
        Assert.Equal("The request body is too large.", (string?)problem["title"]);
        Assert.Contains($"{MaxBody} bytes", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Contains("Limits:MaxBodyBytes", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(MaxBody, (long)problem["max_body_bytes"]!);
        await (await client.GetAsync($"{FeatureApi.Url}/limits_too_large")).ExpectProblemAsync(404);
    }

    [Fact]
    public async Task A_chunked_body_without_content_length_is_cut_at_the_limit_too()
    {
        var client = _factory.CreateClient();
        var body = FeatureApi.Minimal("limits_chunked");
        body["description"] = new string('x', MaxBody);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body.ToJsonString())));
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentLength = null;
        var request = new HttpRequestMessage(HttpMethod.Post, FeatureApi.Url) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await (await client.SendAsync(request)).ExpectProblemAsync(413);
        await (await client.GetAsync($"{FeatureApi.Url}/limits_chunked")).ExpectProblemAsync(404);
    }

    [Fact]
    public async Task Value_ingest_has_its_own_larger_limit_and_a_batch_over_it_writes_nothing()
    {
        var client = _factory.CreateClient();
        await client.CreateAsync(FeatureApi.Minimal("limits_values"));
        string Csv(int rows) => "entity_id,event_ts,value\n" + string.Concat(Enumerable.Range(0, rows).Select(i => $"E{i:D6},{Day(0)},{i}.5\n"));

        // Larger than the default limit, within the ingest limit: accepted.
        var accepted = Csv(500);
        Assert.InRange(Encoding.UTF8.GetByteCount(accepted), MaxBody + 1, MaxIngestBody);
        var ok = (await (await client.PostCsvAsync("limits_values", accepted)).ExpectAsync(200))!;
        Assert.Equal(500, (long)ok["rows_written"]!);

        // Over the ingest limit, streamed without a length: refused while reading, and nothing of it is written.
        var refused = Csv(5_000).Replace("E0", "F0", StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(refused) > MaxIngestBody);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(refused)));
        content.Headers.ContentType = new("text/csv");
        var request = new HttpRequestMessage(HttpMethod.Post, ValuesUrl("limits_values")) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var problem = await (await client.SendAsync(request)).ExpectProblemAsync(413);
        Assert.Contains("Limits:MaxIngestBodyBytes", (string?)problem["detail"], StringComparison.Ordinal);
        var stats = (await (await client.GetAsync($"{ValuesUrl("limits_values")}/stats")).ExpectAsync(200))!;
        Assert.Equal(500, (long)stats["rows"]!);
    }
}
