using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Usage;

/// <summary>Usage request bodies as a pipeline sends them, and the reads the tests check.</summary>
public static class UsageApi
{
    public const string Url = "/api/v1/features/usage";
    public const string BatchUrl = "/api/v1/features/usage/batch";

    public static JsonObject Record(string feature, string version = "1.0.0", string model = "momentum_classifier",
        string environment = "production", double? importance = 0.5, double? correlation = 0.25, string? at = null)
    {
        var body = new JsonObject
        {
            ["feature_name"] = feature,
            ["feature_version"] = version,
            ["used_by_model"] = model,
            ["model_version"] = "2.3.0",
            ["environment"] = environment,
            ["feature_importance"] = importance,
            ["correlation_with_target"] = correlation,
            ["execution_id"] = "train-0001",
            ["execution_duration_ms"] = 12.5,
        };
        if (at is not null) body["usage_timestamp"] = at;
        return body;
    }

    public static string Batch(params JsonObject[] records) =>
        new JsonObject { ["records"] = new JsonArray(records.Select(r => (JsonNode)r).ToArray()) }.ToJsonString();

    public static async Task<JsonNode> RecordAsync(this HttpClient client, JsonObject body) =>
        (await (await client.PostJsonAsync(Url, body.ToJsonString())).ExpectAsync(201))!;

    public static async Task<JsonNode> FeatureAsync(this HttpClient client, string name) =>
        (await (await client.GetAsync($"{FeatureApi.Url}/{name}")).ExpectAsync(200))!;

    public static async Task<JsonNode> UsageAsync(this HttpClient client, string name, string query = "") =>
        (await (await client.GetAsync($"{FeatureApi.Url}/{name}/usage{query}")).ExpectAsync(200))!;

    public static async Task<JsonNode> StatisticsAsync(this HttpClient client, string name) =>
        (await (await client.GetAsync($"{FeatureApi.Url}/{name}/statistics")).ExpectAsync(200))!;
}
