using System.Net;
using System.Text.RegularExpressions;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Auth;

/// <summary>
/// Who may call what, over every operation of the OpenAPI document (so a new endpoint is covered the day it is added):
/// without a key 401, with a key lacking the scope 403, each a problem document.
/// </summary>
public sealed partial class ScopeMatrixTests(SharedApi api) : IClassFixture<SharedApi>
{
    private sealed record Operation(string Method, string Path, string Id, string Scope);

    private async Task<List<Operation>> OperationsAsync()
    {
        using var anonymous = api.CreateAnonymousClient();
        var doc = (await (await anonymous.GetAsync("/swagger/v1/swagger.json")).ExpectAsync(200))!; // the document needs no key
        return (from path in doc["paths"]!.AsObject()
                from operation in path.Value!.AsObject()
                select new Operation(operation.Key.ToUpperInvariant(), path.Key, (string)operation.Value!["operationId"]!,
                    (string?)operation.Value["x-required-scope"] ?? "none")).ToList();
    }

    /// <summary>A concrete URL for a templated path; the resources need not exist (authorization comes first).</summary>
    private static string Url(Operation op) => Parameter().Replace(op.Path, m => m.Groups[1].Value switch
    {
        "key_id" => "0123456789abcdef",
        "snapshot_id" => "00000000-0000-4000-8000-000000000000",
        "version" or "from" or "to" => "1.0.0",
        _ => "auth_matrix_missing",
    });

    private static HttpRequestMessage Request(Operation op, string? query = null) => new(new HttpMethod(op.Method), Url(op) + query);

    [Fact]
    public async Task The_document_states_the_scope_of_every_operation_and_its_401_403_and_429()
    {
        using var anonymous = api.CreateAnonymousClient();
        var doc = (await (await anonymous.GetAsync("/swagger/v1/swagger.json")).ExpectAsync(200))!;
        Assert.Equal("apiKey", (string?)doc["components"]!["securitySchemes"]!["ApiKey"]!["type"]);
        Assert.Equal("X-API-Key", (string?)doc["components"]!["securitySchemes"]!["ApiKey"]!["name"]);
        Assert.Equal("bearer", (string?)doc["components"]!["securitySchemes"]!["Bearer"]!["scheme"]);

        var operations = await OperationsAsync();
        foreach (var op in operations)
        {
            var node = doc["paths"]![op.Path]![op.Method.ToLowerInvariant()]!;
            Assert.True(op.Scope is "read" or "write" or "admin", $"{op.Id} has no x-required-scope");
            Assert.Equal(2, node["security"]!.AsArray().Count);
            foreach (var status in new[] { "401", "403", "429" })
                Assert.True(node["responses"]![status] is not null, $"{op.Id} does not declare {status}");
            Assert.NotNull(node["responses"]!["429"]!["headers"]!["Retry-After"]);
        }

        // The convention, stated independently of the code that applies it.
        var keyManagement = operations.Where(o => o.Path.StartsWith("/api/v1/api-keys", StringComparison.Ordinal)).ToList();
        Assert.All(operations.Except(keyManagement).Where(o => o.Method == "GET"), o => Assert.Equal("read", o.Scope));
        Assert.All(operations.Except(keyManagement).Where(o => o.Method is "PUT" or "DELETE"), o => Assert.Equal("write", o.Scope));
        Assert.Equal(["createTrainingSet", "uploadTrainingLabels", "validateValues"],
            operations.Where(o => o.Method == "POST" && o.Scope == "read").Select(o => o.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["backfillOnlineStore", "createApiKey", "getApiKey", "listApiKeys", "revokeApiKey"],
            operations.Where(o => o.Scope == "admin").Select(o => o.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_operation_refuses_a_request_without_a_key_or_with_a_garbage_key_with_401()
    {
        using var anonymous = api.CreateAnonymousClient();
        using var garbage = api.CreateClientWithKey("frk_0123456789abcdef_" + new string('0', 64));
        foreach (var op in await OperationsAsync())
        {
            var none = await anonymous.SendAsync(Request(op));
            var problem = await none.ExpectProblemAsync(401);
            Assert.Contains("X-API-Key", (string)problem["detail"]!);
            Assert.StartsWith("Bearer", none.Headers.WwwAuthenticate.ToString());

            var refused = await garbage.SendAsync(Request(op));
            await refused.ExpectProblemAsync(401);
            Assert.Contains("invalid_token", refused.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task A_read_key_gets_403_naming_the_scope_on_every_change_and_through_on_every_read()
    {
        using var reader = await api.CreateClientWithScopeAsync("read");
        foreach (var op in await OperationsAsync())
        {
            var response = await reader.SendAsync(Request(op));
            if (op.Scope == "read")
            {
                Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)response.StatusCode < 500,
                    $"{op.Id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                continue;
            }
            var problem = await response.ExpectProblemAsync(403);
            Assert.Equal(op.Scope, (string?)problem["required_scope"]);
            Assert.Contains($"'{op.Scope}'", (string)problem["detail"]!);
        }
    }

    [Fact]
    public async Task A_write_key_may_change_features_but_not_manage_keys()
    {
        using var writer = await api.CreateClientWithScopeAsync("write");
        foreach (var op in await OperationsAsync())
        {
            var response = await writer.SendAsync(Request(op));
            if (op.Scope == "admin")
            {
                Assert.Equal("admin", (string?)(await response.ExpectProblemAsync(403))["required_scope"]);
                continue;
            }
            Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)response.StatusCode < 500,
                $"{op.Id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var created = await writer.CreateAsync(FeatureApi.Minimal("auth_written_by_writer"));
        Assert.Equal("auth_written_by_writer", (string?)created["feature_name"]);
    }

    [Fact]
    public async Task A_deprecation_dry_run_is_a_read_but_a_deprecation_is_a_write()
    {
        await api.CreateClient().CreateAsync(FeatureApi.Minimal("auth_dry_run"));
        using var reader = await api.CreateClientWithScopeAsync("read");
        var impact = (await (await reader.PostAsync($"{FeatureApi.Url}/auth_dry_run/deprecate?dry_run=true", null)).ExpectAsync(200))!;
        Assert.Equal("auth_dry_run", (string?)impact["feature_name"]);
        var problem = await (await reader.PostAsync($"{FeatureApi.Url}/auth_dry_run/deprecate", null)).ExpectProblemAsync(403);
        Assert.Equal("write", (string?)problem["required_scope"]);
        await (await reader.PostAsync($"{FeatureApi.Url}/auth_dry_run/deprecate?dry_run=false", null)).ExpectProblemAsync(403);
    }

    [Fact]
    public async Task Swagger_ui_and_the_document_need_no_key_and_unknown_routes_reveal_nothing_without_one()
    {
        using var anonymous = api.CreateAnonymousClient();
        await (await anonymous.GetAsync("/swagger/v1/swagger.json")).ExpectAsync(200);
        Assert.Contains("swagger-ui", await (await anonymous.GetAsync("/swagger/index.html")).Content.ReadAsStringAsync());
        await (await anonymous.GetAsync("/api/v1/nothing-here")).ExpectProblemAsync(401);
    }

    [Fact]
    public async Task The_key_may_be_sent_as_a_bearer_credential()
    {
        var (key, _) = await api.CreateKeyAsync("read");
        using var client = api.CreateAnonymousClient();
        var request = new HttpRequestMessage(HttpMethod.Get, FeatureApi.Url);
        request.Headers.Authorization = new("Bearer", key);
        await (await client.SendAsync(request)).ExpectAsync(200);
        var bootstrap = new HttpRequestMessage(HttpMethod.Get, FeatureApi.Url);
        bootstrap.Headers.Authorization = new("Bearer", api.AdminKey);
        await (await client.SendAsync(bootstrap)).ExpectAsync(200);
        var wrong = new HttpRequestMessage(HttpMethod.Get, FeatureApi.Url);
        wrong.Headers.Authorization = new("Bearer", key[..^1] + (key[^1] == '0' ? '1' : '0'));
        await (await client.SendAsync(wrong)).ExpectProblemAsync(401);
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Parameter();
}
