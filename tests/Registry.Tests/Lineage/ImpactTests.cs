using System.Globalization;
using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Lineage;

public sealed class ImpactTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>Usage recorded through the API with a past usage_timestamp, so the tests run on either registry store.</summary>
    private async Task RecordUsage(string feature, string model, string modelVersion, string environment, TimeSpan ago, string version = "1.0.0")
    {
        var body = new JsonObject
        {
            ["feature_name"] = feature,
            ["feature_version"] = version,
            ["used_by_model"] = model,
            ["model_version"] = modelVersion,
            ["environment"] = environment,
            ["usage_timestamp"] = (DateTimeOffset.UtcNow - ago).ToString("O", CultureInfo.InvariantCulture),
        };
        await (await _client.PostJsonAsync($"{FeatureApi.Url}/usage", body.ToJsonString())).ExpectAsync(201);
    }

    [Fact]
    public async Task Impact_lists_every_downstream_feature_and_every_model_that_used_them()
    {
        await _client.CreateAsync("im_base");
        await _client.CreateAsync("im_mid", "im_base");
        await _client.CreateAsync("im_leaf", "im_mid");
        await _client.CreateAsync("im_unrelated");
        await _client.ActivateAsync("im_base");
        await _client.ActivateAsync("im_mid");
        await RecordUsage("im_leaf", "alpha_model", "3.1", "production", TimeSpan.FromHours(1));
        await RecordUsage("im_leaf", "alpha_model", "3.1", "production", TimeSpan.FromHours(2));
        await RecordUsage("im_base", "beta_model", "1.0", "staging", TimeSpan.FromDays(3));
        await RecordUsage("im_unrelated", "gamma_model", "1.0", "production", TimeSpan.FromHours(1));

        var impact = (await (await _client.GetAsync($"{FeatureApi.Url}/im_base/impact")).ExpectAsync(200))!;

        Assert.Equal(["im_mid:1", "im_leaf:2"], impact["downstream_features"]!.AsArray().Select(n => $"{n!["feature_name"]}:{n!["depth"]}"));
        Assert.Equal("active", (string?)impact["downstream_features"]![0]!["status"]);
        var models = impact["models"]!.AsArray();
        Assert.Equal(["alpha_model", "beta_model"], models.Select(m => (string)m!["used_by_model"]!));
        Assert.Equal(2, (long)models[0]!["usage_count"]!);
        Assert.Equal("production", (string?)models[0]!["environment"]);
        Assert.Equal("3.1", (string?)models[0]!["model_version"]);
        Assert.Equal(["im_leaf"], models[0]!["features"]!.AsArray().Select(f => (string)f!));
        Assert.False((bool)impact["can_deprecate"]!);
        Assert.Equal(["im_mid"], impact["blocking_features"]!.AsArray().Select(f => (string)f!));
    }

    [Fact]
    public async Task A_deprecation_dry_run_answers_the_impact_and_changes_nothing()
    {
        await _client.CreateAsync("dr_base");
        await _client.CreateAsync("dr_user", "dr_base");
        await _client.ActivateAsync("dr_base");
        await _client.ActivateAsync("dr_user");
        var before = await _client.GetAsync($"{FeatureApi.Url}/dr_base");

        var blocked = (await (await _client.PostAsync($"{FeatureApi.Url}/dr_base/deprecate?dry_run=true", null)).ExpectAsync(200))!;
        Assert.False((bool)blocked["can_deprecate"]!);
        Assert.Equal(["dr_user"], blocked["blocking_features"]!.AsArray().Select(f => (string)f!));

        var free = (await (await _client.PostAsync($"{FeatureApi.Url}/dr_user/deprecate?dry_run=true", null)).ExpectAsync(200))!;
        Assert.True((bool)free["can_deprecate"]!);

        var after = await _client.GetAsync($"{FeatureApi.Url}/dr_base");
        Assert.Equal(before.ETag(), after.ETag());
        Assert.Equal("active", (string?)(await after.ReadJsonAsync())["status"]);
        // And the real thing is still refused, listing the dependents.
        await (await _client.PostAsync($"{FeatureApi.Url}/dr_base/deprecate", null)).ExpectProblemAsync(409);
    }

    private Task<HttpResponseMessage> PublishBreaking(string name, string version, bool force = false) => _client.PostJsonAsync(
        $"{FeatureApi.Url}/{name}/versions",
        $$"""{"version": "{{version}}", "breaking_changes": true, "changelog": "New window.", "created_by": "x"{{(force ? ", \"force\": true" : "")}} }""");

    [Fact]
    public async Task A_breaking_version_is_refused_while_production_models_used_the_feature_in_the_last_30_days()
    {
        await _client.CreateAsync("bg_used");
        await RecordUsage("bg_used", "prod_model", "7", "production", TimeSpan.FromDays(5));
        await RecordUsage("bg_used", "dev_model", "1", "dev", TimeSpan.FromHours(1));

        var refused = await (await PublishBreaking("bg_used", "2.0.0")).ExpectProblemAsync(409);
        Assert.Equal(["prod_model@7"], refused["production_models"]!.AsArray().Select(m => (string)m!));
        Assert.Contains("force", (string?)refused["detail"]);

        var forced = (await (await PublishBreaking("bg_used", "2.0.0", force: true)).ExpectAsync(201))!;
        Assert.Contains("[forced:", (string?)forced["version"]!["changelog"]);
        Assert.Contains("prod_model@7", (string?)forced["version"]!["changelog"]);
    }

    [Fact]
    public async Task Old_production_use_and_other_environments_do_not_block_a_breaking_version()
    {
        await _client.CreateAsync("bg_old");
        await RecordUsage("bg_old", "prod_model", "7", "production", TimeSpan.FromDays(31));
        await RecordUsage("bg_old", "stage_model", "1", "staging", TimeSpan.FromHours(1));
        var published = (await (await PublishBreaking("bg_old", "2.0.0")).ExpectAsync(201))!;
        Assert.DoesNotContain("forced", (string?)published["version"]!["changelog"]);

        // A non-breaking version is never blocked by usage.
        await _client.CreateAsync("bg_minor");
        await RecordUsage("bg_minor", "prod_model", "7", "production", TimeSpan.FromHours(1));
        await (await _client.PostJsonAsync($"{FeatureApi.Url}/bg_minor/versions", """{"version": "1.1.0", "created_by": "x"}""")).ExpectAsync(201);
    }
}
