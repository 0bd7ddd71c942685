using Microsoft.AspNetCore.Mvc.Testing;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Conventions;

/// <summary>What a newcomer tries first answers what they expect, without a key.</summary>
public sealed class FirstContactTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>
{
    [Fact]
    public async Task Health_answers_readiness_and_the_bare_address_leads_to_swagger_ui()
    {
        using var anonymous = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        anonymous.DefaultRequestHeaders.Remove(RegistryApiFactory.ApiKeyHeader);

        await factory.ValuesOpenAsync();
        var health = (await (await anonymous.GetAsync("/health")).ExpectAsync(200))!;
        Assert.Equal("healthy", (string)health["status"]!);
        Assert.Equal("healthy", (string)health["checks"]!["duckdb"]!["status"]!);

        var root = await anonymous.GetAsync("/");
        Assert.Equal(302, (int)root.StatusCode);
        Assert.Equal("/swagger", root.Headers.Location?.OriginalString);

        // Metrics need a read key, and the 401 says how to send one.
        var metrics = await (await anonymous.GetAsync("/metrics")).ExpectProblemAsync(401);
        Assert.Contains("X-API-Key", (string)metrics["detail"]!, StringComparison.Ordinal);
    }
}
