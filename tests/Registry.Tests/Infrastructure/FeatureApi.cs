using System.Text.Json.Nodes;

namespace Registry.Tests.Infrastructure;

/// <summary>Request bodies for tests, built as the wire JSON a pipeline would send.</summary>
public static class FeatureApi
{
    public const string Url = "/api/v1/features";

    public static JsonObject Minimal(string name, string type = "raw", string dataType = "float", string owner = "quant-team") => new()
    {
        ["feature_name"] = name,
        ["feature_type"] = type,
        ["data_type"] = dataType,
        ["owner"] = owner,
    };

    public static JsonObject StockRsi(string name = "stock_rsi_14d", string upstream = "stock_daily_close") => new()
    {
        ["feature_name"] = name,
        ["feature_type"] = "technical_indicator",
        ["data_type"] = "float",
        ["description"] = "14-day Relative Strength Index",
        ["owner"] = "quant-team",
        ["tags"] = new JsonArray("technical", "momentum", "oscillator"),
        ["upstream_features"] = new JsonArray(upstream),
        ["transformation"] = new JsonObject
        {
            ["transformation_type"] = "python",
            ["code"] = "def calculate_rsi(prices, period=14): ...",
            ["parameters"] = new JsonObject { ["period"] = 14 },
        },
        ["validation_rules"] = new JsonArray(new JsonObject
        {
            ["rule_type"] = "range",
            ["parameters"] = new JsonObject { ["min"] = 0.0, ["max"] = 100.0 },
            ["is_blocking"] = true,
        }),
        ["duckdb_table"] = $"features.{name}",
    };

    public static async Task<JsonNode> CreateAsync(this HttpClient client, JsonObject body, bool allowExisting = false)
    {
        var response = await client.PostJsonAsync(Url, body.ToJsonString());
        if (allowExisting && (int)response.StatusCode == 409)
            return (await (await client.GetAsync($"{Url}/{(string)body["feature_name"]!}")).ExpectAsync(200))!;
        return (await response.ExpectAsync(201))!;
    }

    public static Task<JsonNode> CreateAsync(this HttpClient client, string name, params string[] upstream)
    {
        var body = Minimal(name);
        if (upstream.Length > 0) body["upstream_features"] = new JsonArray(upstream.Select(u => (JsonNode)u!).ToArray());
        return client.CreateAsync(body);
    }

    public static async Task ActivateAsync(this HttpClient client, string name) =>
        await (await client.PostAsync($"{Url}/{name}/activate", null)).ExpectAsync(200);
}
