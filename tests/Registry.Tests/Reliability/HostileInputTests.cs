using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.DuckDb;
using Registry.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registry.Tests.Reliability;

/// <summary>
/// Over a thousand malformed and hostile requests, generated from the live OpenAPI document across every operation:
/// no answer is a 5xx, every refusal is an RFC 9457 problem, and no refused request changed anything in PostgreSQL or
/// DuckDB (a fingerprint of both is taken before and after each request).
/// </summary>
public sealed class HostileInputTests(RegistryApiFactory fixture, ITestOutputHelper output) : IClassFixture<RegistryApiFactory>
{
    // Small limits, so that oversized bodies cost kilobytes.
    private const long MaxBody = 256 * 1024;
    private const long MaxIngestBody = 512 * 1024;

    // One host per class, on the fixture's own DuckDB file (a host per test would open that file twice in one process).
    private readonly WebApplicationFactory<Program> _factory = Limited(fixture);

    private static RegistryApiFactory Limited(RegistryApiFactory fixture)
    {
        fixture.Settings["Limits:MaxBodyBytes"] = MaxBody.ToString(System.Globalization.CultureInfo.InvariantCulture);
        fixture.Settings["Limits:MaxIngestBodyBytes"] = MaxIngestBody.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return fixture;
    }

    [Trait("Store", TestStore.PostgreSqlOnly)] // fingerprints PostgreSQL's tables between requests
    [Fact]
    public async Task Hostile_requests_to_every_operation_are_refused_with_problems_and_change_nothing()
    {
        var client = _factory.CreateClient();
        await RegistrySeed.SeedAsync(client);
        var document = (await (await client.GetAsync("/swagger/v1/swagger.json")).ExpectAsync(200))!;
        var requests = new HostileRequests(document, MaxBody, MaxIngestBody).All().ToList();

        var failures = new List<string>();
        var accepted = new List<string>();
        var refused = 0;
        var operations = new HashSet<string>();
        var state = await FingerprintAsync();
        foreach (var request in requests)
        {
            using var message = request.ToMessage();
            using var response = await client.SendAsync(message);
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            var after = await FingerprintAsync();
            operations.Add(request.Operation);
            if (status is >= 200 and < 300)
            {
                // Allowed (the hostile part may be harmless, e.g. a search for a strange string), but listed.
                accepted.Add($"{status} {(after == state ? "" : "(changed state) ")}{request}");
                state = after;
                continue;
            }
            refused++;
            if (status >= 500) failures.Add($"{status} {request}: {Clip(body)}");
            else if (Problem(response, body, status) is { } why) failures.Add($"{status} not a problem ({why}) {request}: {Clip(body)}");
            if (after != state)
            {
                failures.Add($"{status} changed the state {request}: {Clip(body)}");
                state = after;
            }
        }

        output.WriteLine($"{requests.Count} requests over {operations.Count} operations: {refused} refused, {accepted.Count} accepted.");
        foreach (var line in accepted) output.WriteLine("accepted: " + line);
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n{string.Join('\n', failures.Take(60))}");
        Assert.True(refused >= 1000, $"only {refused} refused requests");
        var all = document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => (string)o.Value!["operationId"]!)).ToHashSet();
        Assert.Equal(all.Order(), operations.Order());
        // Free text may legitimately hold odd characters (a description, a model name, a search), and optional fields may
        // be left out; a malformed request never succeeds.
        // A read (a training set, a search) may take an odd value and answer; a write never stores a NUL.
        string[] malformed = ["instead of", "unknown field", "overflow", "huge integer", "literal", "truncated", "trailing garbage", "deep nesting",
            "UTF-8", "surrogate", "oversized", "duplicate key", "wrong type", "empty", "random bytes", "wrong columns"];
        Assert.All(accepted, a => Assert.DoesNotContain(malformed, m => a.Contains(m, StringComparison.Ordinal)));
        Assert.All(accepted.Where(a => a.Contains("(changed state)", StringComparison.Ordinal)), a => Assert.DoesNotContain("NUL", a, StringComparison.Ordinal));
    }

    /// <summary>Why the answer is not an RFC 9457 problem document with the response's status and a title, or null when it is.</summary>
    private static string? Problem(HttpResponseMessage response, string body, int status)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") return $"content type {response.Content.Headers.ContentType}";
        JsonNode? problem;
        try { problem = JsonNode.Parse(body); }
        catch (System.Text.Json.JsonException) { return "not JSON"; }
        if ((int?)problem?["status"] != status) return "status";
        if (string.IsNullOrWhiteSpace((string?)problem?["title"])) return "title";
        if (body.Contains("   at ", StringComparison.Ordinal)) return "stack trace";
        return null;
    }

    /// <summary>Every PostgreSQL table's content (hashed) and every DuckDB table's and view's name, definition and row count.</summary>
    private async Task<string> FingerprintAsync()
    {
        var text = new StringBuilder();
        await using (var connection = new NpgsqlConnection(fixture.ConnectionString))
        {
            await connection.OpenAsync();
            var tables = new List<string>();
            await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", connection))
            await using (var reader = await list.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
            }
            var sql = string.Join(" UNION ALL ", tables.Select(t =>
                $"SELECT '{t}', (SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) FROM public.\"{t.Replace("\"", "\"\"", StringComparison.Ordinal)}\" x)"));
            await using var hash = new NpgsqlCommand(sql, connection);
            await using var rows = await hash.ExecuteReaderAsync();
            while (await rows.ReadAsync()) text.Append(rows.GetString(0)).Append('=').Append(rows.GetString(1)).Append('\n');
        }

        var duck = _factory.Services.GetRequiredService<DuckDbDatabase>();
        using var c = duck.Rent();
        var relations = new List<string>();
        using (var r = c.Query("SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1, 2"))
        {
            while (r.Read()) relations.Add($"\"{r.GetString(0)}\".\"{r.GetString(1)}\"");
        }
        foreach (var relation in relations)
        {
            using var r = c.Query($"SELECT count(*) FROM {relation}");
            r.Read();
            text.Append(relation).Append('=').Append(r.GetInt64(0)).Append('\n');
        }
        using (var v = c.Query("SELECT schema_name, view_name, sql FROM duckdb_views() WHERE NOT internal AND NOT temporary ORDER BY 1, 2"))
        {
            while (v.Read()) text.Append(v.GetString(0)).Append('.').Append(v.GetString(1)).Append('=').Append(v.GetString(2)).Append('\n');
        }
        return text.ToString();
    }

    private static string Clip(string s) => s.Length <= 400 ? s : s[..400] + "…";
}
