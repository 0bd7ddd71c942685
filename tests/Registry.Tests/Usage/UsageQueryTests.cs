using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Usage;

public sealed class UsageQueryTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task PublishAsync(string name, string version) =>
        await (await _client.PostJsonAsync($"{FeatureApi.Url}/{name}/versions", $$"""{"version": "{{version}}", "created_by": "x"}""")).ExpectAsync(201);

    [Fact]
    public async Task Usage_is_listed_newest_first_then_by_id_and_limited()
    {
        await _client.CreateAsync(FeatureApi.Minimal("q_list"));
        var body = UsageApi.Batch(
            UsageApi.Record("q_list", model: "a", at: "2025-01-02T00:00:00Z"),
            UsageApi.Record("q_list", model: "b", at: "2025-01-03T00:00:00Z"),
            UsageApi.Record("q_list", model: "c", at: "2025-01-01T00:00:00Z"),
            UsageApi.Record("q_list", model: "d", at: "2025-01-03T00:00:00Z"));
        await (await _client.PostJsonAsync(UsageApi.BatchUrl, body)).ExpectAsync(201);

        var all = await _client.UsageAsync("q_list");
        Assert.Equal(4, (long)all["total"]!);
        // b and d share a timestamp: the later record (d) comes first.
        Assert.Equal(["d", "b", "a", "c"], all["usage"]!.AsArray().Select(u => (string)u!["used_by_model"]!));

        var page = await _client.UsageAsync("q_list", "?limit=2");
        Assert.Equal(4, (long)page["total"]!);
        Assert.Equal(["d", "b"], page["usage"]!.AsArray().Select(u => (string)u!["used_by_model"]!));
        var next = await _client.UsageAsync("q_list", "?limit=2&skip=2");
        Assert.Equal(["a", "c"], next["usage"]!.AsArray().Select(u => (string)u!["used_by_model"]!));
    }

    [Fact]
    public async Task The_default_limit_is_50()
    {
        await _client.CreateAsync(FeatureApi.Minimal("q_default"));
        var records = Enumerable.Range(0, 60).Select(_ => UsageApi.Record("q_default")).ToArray();
        await (await _client.PostJsonAsync(UsageApi.BatchUrl, UsageApi.Batch(records))).ExpectAsync(201);

        var list = await _client.UsageAsync("q_default");
        Assert.Equal(50, list["usage"]!.AsArray().Count);
        Assert.Equal(60, (long)list["total"]!);
        Assert.Equal(60, (await _client.UsageAsync("q_default", "?limit=500"))["usage"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=501", "limit")]
    [InlineData("?limit=many", "limit")]
    [InlineData("?skip=-1", "skip")]
    public async Task Bad_list_parameters_are_400(string query, string field)
    {
        await _client.CreateAsync(FeatureApi.Minimal("q_params"), allowExisting: true);
        var problem = await (await _client.GetAsync($"{FeatureApi.Url}/q_params/usage{query}")).ExpectProblemAsync(400);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Unknown_features_are_404_and_impossible_names_400()
    {
        await (await _client.GetAsync($"{FeatureApi.Url}/q_nobody/usage")).ExpectProblemAsync(404);
        await (await _client.GetAsync($"{FeatureApi.Url}/q_nobody/statistics")).ExpectProblemAsync(404);
        await (await _client.GetAsync($"{FeatureApi.Url}/Not-A-Name/statistics")).ExpectProblemAsync(400);
    }

    [Fact]
    public async Task Statistics_aggregate_overall_and_per_version()
    {
        await _client.CreateAsync(FeatureApi.Minimal("q_stats"));
        await PublishAsync("q_stats", "1.1.0");
        await PublishAsync("q_stats", "1.10.0");
        var body = UsageApi.Batch(
            UsageApi.Record("q_stats", "1.0.0", "alpha", "dev", 0.5, 0.5, "2025-01-01T00:00:00Z"),
            UsageApi.Record("q_stats", "1.0.0", "beta", "production", 0.25, -0.25, "2025-01-02T00:00:00Z"),
            UsageApi.Record("q_stats", "1.1.0", "alpha", "production", 0.75, null, "2025-01-05T00:00:00Z"),
            UsageApi.Record("q_stats", "1.1.0", "alpha", "production", null, 0.125, "2025-01-04T00:00:00Z"),
            UsageApi.Record("q_stats", "1.10.0", "gamma", "production", 1.0, 1.0, "2025-01-03T00:00:00Z"));
        await (await _client.PostJsonAsync(UsageApi.BatchUrl, body)).ExpectAsync(201);

        var stats = await _client.StatisticsAsync("q_stats");

        Assert.Equal("q_stats", (string?)stats["feature_name"]);
        Assert.Equal(5, (long)stats["total_usage"]!);
        Assert.Equal(3, (long)stats["unique_models"]!);
        AssertEnvironments(stats, dev: 1, staging: 0, production: 4);
        Assert.Equal(0.625, (double)stats["avg_importance"]!);          // (0.5 + 0.25 + 0.75 + 1.0) / 4
        Assert.Equal(0.34375, (double)stats["avg_correlation"]!);       // (0.5 - 0.25 + 0.125 + 1.0) / 4
        Assert.Equal("2025-01-05T00:00:00Z", (string?)stats["last_used_at"]);

        var versions = stats["by_version"]!.AsArray();
        Assert.Equal(["1.10.0", "1.1.0", "1.0.0"], versions.Select(v => (string)v!["feature_version"]!));
        var v100 = versions[2]!;
        Assert.Equal(2, (long)v100["total_usage"]!);
        Assert.Equal(2, (long)v100["unique_models"]!);
        AssertEnvironments(v100, dev: 1, staging: 0, production: 1);
        Assert.Equal(0.375, (double)v100["avg_importance"]!);
        Assert.Equal(0.125, (double)v100["avg_correlation"]!);
        Assert.Equal("2025-01-02T00:00:00Z", (string?)v100["last_used_at"]);
        var v110 = versions[1]!;
        Assert.Equal(2, (long)v110["total_usage"]!);
        Assert.Equal(1, (long)v110["unique_models"]!);
        AssertEnvironments(v110, dev: 0, staging: 0, production: 2);
        Assert.Equal(0.75, (double)v110["avg_importance"]!);            // the record without importance is not averaged in
        Assert.Equal(0.125, (double)v110["avg_correlation"]!);
        Assert.Equal("2025-01-05T00:00:00Z", (string?)v110["last_used_at"]);
        Assert.Equal(1, (long)versions[0]!["total_usage"]!);

        // The feature's own counters agree with the records.
        var feature = await _client.FeatureAsync("q_stats");
        Assert.Equal(5, (long)feature["usage_count"]!);
        Assert.Equal("2025-01-05T00:00:00Z", (string?)feature["last_used_at"]);
    }

    [Fact]
    public async Task A_feature_never_used_has_zero_figures_and_no_versions()
    {
        await _client.CreateAsync(FeatureApi.Minimal("q_unused"));

        var stats = await _client.StatisticsAsync("q_unused");

        Assert.Equal(0, (long)stats["total_usage"]!);
        Assert.Equal(0, (long)stats["unique_models"]!);
        AssertEnvironments(stats, dev: 0, staging: 0, production: 0);
        Assert.Null(stats["avg_importance"]);
        Assert.Null(stats["avg_correlation"]);
        Assert.Null(stats["last_used_at"]);
        Assert.Empty(stats["by_version"]!.AsArray());
        var list = await _client.UsageAsync("q_unused");
        Assert.Empty(list["usage"]!.AsArray());
        Assert.Equal(0, (long)list["total"]!);
    }

    private static void AssertEnvironments(JsonNode figures, long dev, long staging, long production)
    {
        var environments = figures["environments"]!.AsObject();
        Assert.Equal(["dev", "production", "staging"], environments.Select(e => e.Key).Order());
        Assert.Equal(dev, (long)environments["dev"]!);
        Assert.Equal(staging, (long)environments["staging"]!);
        Assert.Equal(production, (long)environments["production"]!);
    }
}
