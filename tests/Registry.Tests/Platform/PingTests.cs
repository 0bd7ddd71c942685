using Registry.Tests.Infrastructure;

namespace Registry.Tests.Platform;

/// <summary>GET /ping: the trivial endpoint the benchmark harness measures the framework's floor with (docs/benchmarks.md).</summary>
public sealed class PingTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Ping_answers_pong_and_stays_out_of_the_OpenAPI_document()
    {
        using var response = await _client.GetAsync("/ping");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("pong", await response.Content.ReadAsStringAsync());

        var doc = (await (await _client.GetAsync("/swagger/v1/swagger.json")).ExpectAsync(200))!;
        Assert.DoesNotContain(doc["paths"]!.AsObject(), p => p.Key.Contains("ping", StringComparison.Ordinal));
    }
}
