using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.FeatureSets;

/// <summary>Feature set bodies as a pipeline sends them, and the calls the tests repeat.</summary>
public static class FeatureSetApi
{
    public const string Url = "/api/v1/feature-sets";

    public static string VersionsUrl(string set) => $"{Url}/{set}/versions";

    /// <summary>A member: "name" (current version) or "name@1.2.0" (pinned).</summary>
    public static JsonObject Member(string spec)
    {
        var at = spec.IndexOf('@');
        var member = new JsonObject { ["feature_name"] = at < 0 ? spec : spec[..at] };
        if (at >= 0) member["feature_version"] = spec[(at + 1)..];
        return member;
    }

    public static JsonArray Members(params string[] specs) => new(specs.Select(s => (JsonNode)Member(s)).ToArray());

    public static JsonObject Create(string name, params string[] members) => new()
    {
        ["feature_set_name"] = name,
        ["description"] = $"{name} for the tests",
        ["owner"] = "quant-team",
        ["members"] = Members(members),
    };

    public static JsonObject NewVersion(string? version, params string[] members)
    {
        var body = new JsonObject { ["members"] = Members(members), ["created_by"] = "quant-team" };
        if (version is not null) body["version"] = version;
        return body;
    }

    public static Task<HttpResponseMessage> PostSetAsync(this HttpClient client, JsonObject body) =>
        client.PostJsonAsync(Url, body.ToJsonString());

    public static async Task<JsonNode> CreateSetAsync(this HttpClient client, string name, params string[] members) =>
        (await (await client.PostSetAsync(Create(name, members))).ExpectAsync(201))!;

    public static Task<HttpResponseMessage> PublishSetVersionAsync(this HttpClient client, string set, JsonObject body) =>
        client.PostJsonAsync(VersionsUrl(set), body.ToJsonString());

    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string url) =>
        (await (await client.GetAsync(url)).ExpectAsync(200))!;

    /// <summary>Members as "name@version", in order.</summary>
    public static List<string> Pinned(JsonNode? members) =>
        members!.AsArray().Select(m => $"{m!["feature_name"]}@{m["feature_version"]}").ToList();

    /// <summary>Registers the features (no lineage between them).</summary>
    public static async Task CreateFeaturesAsync(this HttpClient client, params string[] names)
    {
        foreach (var name in names) await client.CreateAsync(name);
    }

    public static async Task PublishFeatureVersionAsync(this HttpClient client, string feature, string version) =>
        await (await client.PostJsonAsync($"{FeatureApi.Url}/{feature}/versions", $$"""{"version": "{{version}}", "created_by": "x"}""")).ExpectAsync(201);
}
