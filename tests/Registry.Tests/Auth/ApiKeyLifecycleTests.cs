using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Auth;

/// <summary>Keys through their life: created (secret shown once), used, listed, read, revoked, refused.</summary>
public sealed class ApiKeyLifecycleTests(SharedApi api) : IClassFixture<SharedApi>
{
    private const string Url = "/api/v1/api-keys";
    private readonly HttpClient _admin = api.CreateClient();

    private async Task<JsonNode> CreateAsync(string name, params string[] scopes)
    {
        var body = new JsonObject { ["name"] = name, ["scopes"] = new JsonArray(scopes.Select(s => (JsonNode)s!).ToArray()) };
        return (await (await _admin.PostJsonAsync(Url, body.ToJsonString())).ExpectAsync(201))!;
    }

    [Fact]
    public async Task A_key_is_created_with_its_secret_once_used_listed_without_it_and_revoked()
    {
        var response = await _admin.PostJsonAsync(Url, """{ "name": "nightly ingest", "scopes": ["write"] }""");
        var created = (await response.ExpectAsync(201))!;
        var key = (string)created["key"]!;
        var keyId = (string)created["key_id"]!;
        Assert.Matches("^frk_[0-9a-f]{16}_[0-9a-f]{64}$", key);
        Assert.StartsWith($"frk_{keyId}_", key);
        Assert.Equal(["read", "write"], created["scopes"]!.AsArray().Select(s => (string)s!)); // write implies read
        Assert.Equal("bootstrap", (string?)created["created_by"]);
        Assert.Equal($"/api/v1/api-keys/{keyId}", response.Headers.Location?.AbsolutePath);
        Assert.Equal("\"1\"", response.ETag());

        using var pipeline = api.CreateClientWithKey(key);
        await pipeline.CreateAsync(FeatureApi.Minimal("auth_pipeline_feature"));
        await (await pipeline.GetAsync($"{FeatureApi.Url}/auth_pipeline_feature")).ExpectAsync(200);

        var read = await _admin.GetAsync($"{Url}/{keyId}");
        var got = (await read.ExpectAsync(200))!;
        Assert.Equal("nightly ingest", (string?)got["name"]);
        Assert.Null(got["revoked_at"]);
        Assert.Equal("\"1\"", read.ETag());
        var list = (await (await _admin.GetAsync($"{Url}?limit=500")).ExpectAsync(200))!;
        Assert.Contains(keyId, list["api_keys"]!.AsArray().Select(k => (string)k!["key_id"]!));
        // The secret is in the 201 answer only: never in a read or a list.
        var secret = key[(key.LastIndexOf('_') + 1)..];
        Assert.DoesNotContain(secret, got.ToJsonString());
        Assert.DoesNotContain(secret, list.ToJsonString());

        var revoke = await _admin.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"{Url}/{keyId}").WithIfMatch("\"1\""));
        var revoked = (await revoke.ExpectAsync(200))!;
        Assert.NotNull(revoked["revoked_at"]);
        Assert.Equal("bootstrap", (string?)revoked["revoked_by"]);
        Assert.Equal("\"2\"", revoke.ETag());

        // At once on this instance, whatever the cache held.
        var refused = await (await pipeline.GetAsync(FeatureApi.Url)).ExpectProblemAsync(401);
        Assert.Contains("revoked", (string)refused["detail"]!);
        Assert.Contains(keyId, (string)refused["detail"]!);

        var active = (await (await _admin.GetAsync($"{Url}?include_revoked=false&limit=500")).ExpectAsync(200))!;
        Assert.DoesNotContain(keyId, active["api_keys"]!.AsArray().Select(k => (string)k!["key_id"]!));
        // Revoking again changes nothing; a stale If-Match is a 412.
        var again = (await (await _admin.DeleteAsync($"{Url}/{keyId}")).ExpectAsync(200))!;
        Assert.Equal((string?)revoked["revoked_at"], (string?)again["revoked_at"]);
        await (await _admin.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"{Url}/{keyId}").WithIfMatch("\"1\""))).ExpectProblemAsync(412);
    }

    [Fact]
    public async Task Revoking_with_a_stale_ETag_is_a_412_and_the_key_keeps_working()
    {
        var created = await CreateAsync("stale revoke", "read");
        var keyId = (string)created["key_id"]!;
        var problem = await (await _admin.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"{Url}/{keyId}").WithIfMatch("\"7\""))).ExpectProblemAsync(412);
        Assert.Contains("revision 1, not 7", (string)problem["detail"]!);
        using var client = api.CreateClientWithKey((string)created["key"]!);
        await (await client.GetAsync(FeatureApi.Url)).ExpectAsync(200);
    }

    [Trait("Store", TestStore.PostgreSqlOnly)] // reads PostgreSQL itself
    [Fact]
    public async Task Only_the_sha256_of_the_key_is_stored()
    {
        var created = await CreateAsync("hash check", "admin");
        var key = (string)created["key"]!;
        var secret = key[(key.LastIndexOf('_') + 1)..];
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT secret_hash, api_keys::text FROM api_keys WHERE key_id = $1", connection);
        cmd.Parameters.Add(new() { Value = (string)created["key_id"]! });
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), reader.GetFieldValue<byte[]>(0));
        var row = reader.GetString(1);
        Assert.DoesNotContain(secret, row);
        Assert.DoesNotContain(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(secret)), row); // not as bytes either
    }

    [Fact]
    public async Task Scopes_include_the_ones_below_and_an_admin_key_can_create_keys()
    {
        var admin = await CreateAsync("second admin", "admin");
        Assert.Equal(["read", "write", "admin"], admin["scopes"]!.AsArray().Select(s => (string)s!));
        using var client = api.CreateClientWithKey((string)admin["key"]!);
        var made = (await (await client.PostJsonAsync(Url, """{ "name": "made by a stored admin", "scopes": ["read"] }""")).ExpectAsync(201))!;
        Assert.Equal((string?)admin["key_id"], (string?)made["created_by"]);
        Assert.Equal(["read"], made["scopes"]!.AsArray().Select(s => (string)s!));
    }

    [Theory]
    [InlineData("""{ "name": "x" }""", "scopes")]
    [InlineData("""{ "name": "x", "scopes": [] }""", "scopes")]
    [InlineData("""{ "scopes": ["read"] }""", "name")]
    [InlineData("""{ "name": "", "scopes": ["read"] }""", "name")]
    [InlineData("""{ "name": "bell\u0007", "scopes": ["read"] }""", "name")]
    [InlineData("""{ "name": "x", "scopes": ["root"] }""", "scopes[0]")]
    [InlineData("""{ "name": "x", "scopes": ["read"], "secret": "mine" }""", "secret")]
    public async Task Bad_key_requests_are_400s_naming_the_field(string body, string field)
    {
        var problem = await (await _admin.PostJsonAsync(Url, body)).ExpectProblemAsync(400);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
    }

    [Fact]
    public async Task Unknown_and_malformed_key_ids_are_404_and_400()
    {
        var missing = await (await _admin.GetAsync($"{Url}/0123456789abcdef")).ExpectProblemAsync(404);
        Assert.Contains("0123456789abcdef", (string)missing["detail"]!);
        await (await _admin.DeleteAsync($"{Url}/0123456789abcdef")).ExpectProblemAsync(404);
        var bad = await (await _admin.GetAsync($"{Url}/bootstrap")).ExpectProblemAsync(400);
        Assert.NotNull(bad["errors"]!["key_id"]);
        await (await _admin.GetAsync($"{Url}?limit=0")).ExpectProblemAsync(400);
    }
}
