using System.Net;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Auth;

/// <summary>Per-key token buckets with a deliberately low limit: 429 problem documents with Retry-After, one key never starving another.</summary>
public sealed class RateLimitTests : IAsyncLifetime, IDisposable
{
    public void Dispose() => _api.Dispose(); // also after DisposeAsync: disposing twice is harmless

    private readonly RegistryApiFactory _api = new();

    public async Task InitializeAsync()
    {
        await _api.InitializeAsync();
        _api.Settings["RateLimit:PermitsPerSecond"] = "1";
        _api.Settings["RateLimit:Burst"] = "4";
        _api.Settings["RateLimit:AnonymousPermitsPerSecond"] = "1";
        _api.Settings["RateLimit:AnonymousBurst"] = "2";
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task A_key_over_its_limit_gets_429_with_Retry_After_while_another_key_is_served()
    {
        var (otherKey, _) = await _api.CreateKeyAsync("read"); // one of the admin key's 4
        using var admin = _api.CreateClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 12 && refused is null; i++)
        {
            var response = await admin.GetAsync(FeatureApi.Url);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
        }
        Assert.NotNull(refused);
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 2, string.Join(", ", statuses));

        var problem = await refused.ExpectProblemAsync(429);
        Assert.Contains("1 requests per second", (string)problem["detail"]!);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 5);

        using var other = _api.CreateClientWithKey(otherKey);
        await (await other.GetAsync(FeatureApi.Url)).ExpectAsync(200); // its own bucket

        await Task.Delay(retryAfter.Value + TimeSpan.FromMilliseconds(200));
        await (await admin.GetAsync(FeatureApi.Url)).ExpectAsync(200); // refilled
    }

    [Fact]
    public async Task Requests_without_a_key_are_limited_per_address_before_their_401()
    {
        using var anonymous = _api.CreateAnonymousClient();
        var statuses = new List<int>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 12 && refused is null; i++)
        {
            var response = await anonymous.GetAsync(FeatureApi.Url);
            statuses.Add((int)response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
        }
        Assert.Equal(401, statuses[0]);
        Assert.NotNull(refused);
        Assert.Contains("without a valid API key", (string)(await refused.ExpectProblemAsync(429))["detail"]!);
        Assert.NotNull(refused.Headers.RetryAfter);
        using var admin = _api.CreateClient();
        await (await admin.GetAsync(FeatureApi.Url)).ExpectAsync(200); // the key's bucket is not the address's
    }
}
