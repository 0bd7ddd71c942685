using Registry.Tests.Infrastructure;

namespace Registry.Tests.Auth;

/// <summary>Keys never reach the log or an error response, whatever fails: everything the API logs is captured at Trace.</summary>
public sealed class SecretsTests : IAsyncLifetime, IDisposable
{
    public void Dispose()
    {
        _api.Dispose(); // also after DisposeAsync: disposing twice is harmless
        _log.Dispose();
    }

    private readonly RegistryApiFactory _api = new();
    private readonly LogCapture _log = new();

    public async Task InitializeAsync()
    {
        await _api.InitializeAsync();
        _api.Customize = _log.AttachTo;
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Failing_and_succeeding_authentication_leave_no_key_in_logs_or_problem_documents()
    {
        using var admin = _api.CreateClient();
        var (readKey, _) = await _api.CreateKeyAsync("read");
        var (revokedKey, revokedId) = await _api.CreateKeyAsync("write");
        await (await admin.DeleteAsync($"/api/v1/api-keys/{revokedId}")).ExpectAsync(200);
        var garbage = $"NOT-A-KEY-{Guid.NewGuid():N}";
        var unknown = $"frk_0123456789abcdef_{Guid.NewGuid():N}{Guid.NewGuid():N}";
        var wrongSecret = readKey[..^4] + "0000";

        var bodies = new List<string>();
        async Task SendAsync(string key, HttpMethod method, string url, int status, bool bearer = false)
        {
            using var client = _api.CreateAnonymousClient();
            var request = new HttpRequestMessage(method, url);
            if (bearer) request.Headers.Authorization = new("Bearer", key);
            else request.Headers.TryAddWithoutValidation(RegistryApiFactory.ApiKeyHeader, key);
            if (method == HttpMethod.Post) request.Content = HttpJson.Json(FeatureApi.Minimal("auth_secret_feature").ToJsonString());
            var response = await client.SendAsync(request);
            bodies.Add(await response.Content.ReadAsStringAsync());
            Assert.Equal(status, (int)response.StatusCode);
        }

        await SendAsync(garbage, HttpMethod.Get, FeatureApi.Url, 401);
        await SendAsync(garbage, HttpMethod.Get, FeatureApi.Url, 401, bearer: true);
        await SendAsync(unknown, HttpMethod.Get, FeatureApi.Url, 401);
        await SendAsync(wrongSecret, HttpMethod.Get, FeatureApi.Url, 401);
        await SendAsync(revokedKey, HttpMethod.Get, FeatureApi.Url, 401);
        await SendAsync(readKey, HttpMethod.Post, FeatureApi.Url, 403);
        await SendAsync(readKey, HttpMethod.Get, "/api/v1/api-keys", 403, bearer: true);
        await SendAsync(readKey, HttpMethod.Get, $"{FeatureApi.Url}/auth_nothing_here", 404);
        await SendAsync(_api.AdminKey, HttpMethod.Get, $"{FeatureApi.Url}/NOT VALID", 400);

        Assert.Contains(_log.Lines, l => l.Contains("was not authenticated", StringComparison.Ordinal)); // the capture sees the auth log
        foreach (var secret in new[] { garbage, unknown, wrongSecret, readKey, revokedKey, _api.AdminKey })
        {
            var tail = secret[^24..]; // any recognisable part, not only the whole key
            Assert.DoesNotContain(tail, _log.Text);
            Assert.All(bodies, b => Assert.DoesNotContain(tail, b));
        }
    }
}
