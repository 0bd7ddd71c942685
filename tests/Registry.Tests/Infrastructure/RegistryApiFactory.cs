using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// The real API over HTTP, on a database of its own in the shared test cluster: for a test class that needs an API of
/// its own (its own settings, counts over the whole registry); the others share one (<see cref="SharedApi"/>). Authentication is on, as in production:
/// clients from <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/> send the bootstrap admin key
/// (<see cref="AdminKey"/>); <see cref="CreateAnonymousClient"/> sends none and <see cref="CreateClientWithScopeAsync"/>
/// a stored key with the given scope. Rate limits are out of the way unless a test sets them (<see cref="Settings"/>).
/// </summary>
public sealed class RegistryApiFactory : WebApplicationFactory<Program>, IRegistryApi, IAsyncLifetime
{
    public const string ApiKeyHeader = "X-API-Key";

    /// <summary>The registry database; a test that runs two APIs on one registry sets it on the second instead of initializing it.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The configured bootstrap key (Auth:BootstrapKey): every scope.</summary>
    public string AdminKey { get; } = TestHost.NewAdminKey("test-bootstrap");

    /// <summary>Extra configuration for a test's own factory, applied last (e.g. low rate limits, Auth:Enabled=false).</summary>
    public Dictionary<string, string?> Settings { get; } = new();

    /// <summary>Anything else a test's own factory needs (e.g. a logger provider that captures the log), applied last.</summary>
    public Action<IWebHostBuilder>? Customize { get; set; }

    /// <summary>Each factory has its own DuckDB file: one process must never open one file twice.</summary>
    public string ValuesDirectory { get; } = Directory.CreateTempSubdirectory("registry-values-").FullName;

    public string ValuesPath => Path.Combine(ValuesDirectory, "values.duckdb");

    /// <summary>PostgreSQL, or MongoDB when REGISTRY_TEST_MONGODB is set (<see cref="TestStore"/>).</summary>
    public async Task InitializeAsync() => ConnectionString = await TestStore.CreateDatabaseAsync("api");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(TestHost.Environment);
        foreach (var (key, value) in TestHost.Settings(ConnectionString, ValuesDirectory, AdminKey)) builder.UseSetting(key, value);
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        Customize?.Invoke(builder);
    }

    /// <summary>Every client this factory creates sends the admin key, unless the test removes it.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add(ApiKeyHeader, AdminKey);
    }

    /// <summary>
    /// Completes once the values file is open. It opens beside the start (ADR 0050) and readiness answers 503 until then,
    /// as it should; a test about a started API's health waits for the open instead of racing it (a loaded machine lost).
    /// </summary>
    public Task ValuesOpenAsync() => Services.GetRequiredService<Registry.DuckDb.DuckDbOpening>().Completion;

    /// <summary>A client that sends no API key.</summary>
    public HttpClient CreateAnonymousClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Remove(ApiKeyHeader);
        return client;
    }

    /// <summary>A client sending <paramref name="key"/> instead of the admin key.</summary>
    public HttpClient CreateClientWithKey(string key)
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Add(ApiKeyHeader, key);
        return client;
    }

    /// <summary>Creates a stored key with <paramref name="scope"/> (through the API, as an admin) and returns it.</summary>
    public async Task<(string Key, string KeyId)> CreateKeyAsync(string scope, string name = "test key")
    {
        using var admin = CreateClient();
        var body = new System.Text.Json.Nodes.JsonObject { ["name"] = name, ["scopes"] = new System.Text.Json.Nodes.JsonArray(scope) };
        var created = (await (await admin.PostJsonAsync("/api/v1/api-keys", body.ToJsonString())).ExpectAsync(201))!;
        return ((string)created["key"]!, (string)created["key_id"]!);
    }

    /// <summary>A client with a new stored key holding <paramref name="scope"/> (read, write or admin).</summary>
    public async Task<HttpClient> CreateClientWithScopeAsync(string scope) => CreateClientWithKey((await CreateKeyAsync(scope)).Key);

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        try { Directory.Delete(ValuesDirectory, recursive: true); } catch (IOException) { /* best effort */ }
    }
}

public static class HttpJson
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, Json(json));

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, string json, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = Json(json) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }

    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    /// <summary>Asserts the status, showing the body when it differs (the problem document says why).</summary>
    public static async Task<JsonNode?> ExpectAsync(this HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? null : JsonNode.Parse(body);
    }

    public static async Task<JsonNode> ExpectProblemAsync(this HttpResponseMessage response, int status)
    {
        var problem = await response.ExpectAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(problem);
        Assert.Equal(status, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        Assert.DoesNotContain("   at ", problem.ToJsonString(), StringComparison.Ordinal); // never a stack trace
        return problem;
    }

    public static string ETag(this HttpResponseMessage response) =>
        response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("no ETag");

    public static HttpRequestMessage WithIfMatch(this HttpRequestMessage request, string etag)
    {
        request.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(etag));
        return request;
    }
}
