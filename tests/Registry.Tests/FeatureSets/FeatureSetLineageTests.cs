using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;
using static Registry.Tests.FeatureSets.FeatureSetApi;

namespace Registry.Tests.FeatureSets;

/// <summary>Feature sets are consumers of their members: lineage and impact say which set versions include a feature.</summary>
public sealed class FeatureSetLineageTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>"set@version(current?):feature@feature_version", in answer order.</summary>
    private static List<string> Sets(JsonNode answer) => answer["feature_sets"]!.AsArray()
        .Select(s => $"{s!["feature_set_name"]}@{s["version"]}{((bool)s["is_current"]! ? "*" : "")}:{s["feature_name"]}@{s["feature_version"]}")
        .ToList();

    [Fact]
    public async Task Lineage_lists_every_set_version_that_includes_the_feature_with_the_version_it_pins()
    {
        await _client.CreateFeaturesAsync("ln_close", "ln_volume");
        await _client.CreateSetAsync("ln_tech", "ln_close", "ln_volume");
        await _client.PublishFeatureVersionAsync("ln_close", "1.1.0");
        await (await _client.PublishSetVersionAsync("ln_tech", NewVersion("1.1.0", "ln_close", "ln_volume"))).ExpectAsync(201);
        await (await _client.PublishSetVersionAsync("ln_tech", NewVersion("1.10.0", "ln_volume"))).ExpectAsync(201);
        await _client.CreateSetAsync("ln_alpha", "ln_close@1.0.0");

        var lineage = await _client.GetJsonAsync($"{FeatureApi.Url}/ln_close/lineage");

        // By set name, newest version first (SemVer, so 1.1.0 before 1.0.0); 1.10.0 no longer includes ln_close.
        Assert.Equal(["ln_alpha@1.0.0*:ln_close@1.0.0", "ln_tech@1.1.0:ln_close@1.1.0", "ln_tech@1.0.0:ln_close@1.0.0"], Sets(lineage));
        // The existing fields are unchanged.
        Assert.Equal("ln_close", (string?)lineage["feature_name"]);
        Assert.Equal(["ln_close"], lineage["nodes"]!.AsArray().Select(n => (string)n!["feature_name"]!)); // only itself, the root

        Assert.Equal(["ln_tech@1.10.0*:ln_volume@1.0.0", "ln_tech@1.1.0:ln_volume@1.0.0", "ln_tech@1.0.0:ln_volume@1.0.0"],
            Sets(await _client.GetJsonAsync($"{FeatureApi.Url}/ln_volume/lineage?recursive=true")));
    }

    [Fact]
    public async Task A_feature_in_no_set_answers_an_empty_list()
    {
        await _client.CreateFeaturesAsync("ns_alone");
        Assert.Empty((await _client.GetJsonAsync($"{FeatureApi.Url}/ns_alone/lineage"))["feature_sets"]!.AsArray());
        Assert.Empty((await _client.GetJsonAsync($"{FeatureApi.Url}/ns_alone/impact"))["feature_sets"]!.AsArray());
    }

    [Fact]
    public async Task Impact_includes_the_sets_of_the_feature_and_of_every_downstream_feature()
    {
        await _client.CreateAsync("ip_prices");
        await _client.CreateAsync("ip_returns", "ip_prices");
        await _client.CreateAsync("ip_volatility", "ip_returns");
        await _client.CreateAsync("ip_other");
        await _client.CreateSetAsync("ip_risk", "ip_volatility", "ip_other");
        await _client.CreateSetAsync("ip_raw", "ip_prices");
        await _client.CreateSetAsync("ip_unrelated", "ip_other");

        var impact = await _client.GetJsonAsync($"{FeatureApi.Url}/ip_prices/impact");

        Assert.Equal(["ip_raw@1.0.0*:ip_prices@1.0.0", "ip_risk@1.0.0*:ip_volatility@1.0.0"], Sets(impact));
        Assert.Equal(["ip_returns", "ip_volatility"], impact["downstream_features"]!.AsArray().Select(n => (string)n!["feature_name"]!));

        // The deprecation dry run is the same document.
        var dryRun = (await (await _client.PostAsync($"{FeatureApi.Url}/ip_prices/deprecate?dry_run=true", null)).ExpectAsync(200))!;
        Assert.Equal(Sets(impact), Sets(dryRun));

        // A set's impact entries for two downstream members of one version are both listed.
        await (await _client.PublishSetVersionAsync("ip_risk", NewVersion("2.0.0", "ip_returns", "ip_volatility"))).ExpectAsync(201);
        Assert.Equal(
            ["ip_raw@1.0.0*:ip_prices@1.0.0", "ip_risk@2.0.0*:ip_returns@1.0.0", "ip_risk@2.0.0*:ip_volatility@1.0.0", "ip_risk@1.0.0:ip_volatility@1.0.0"],
            Sets(await _client.GetJsonAsync($"{FeatureApi.Url}/ip_prices/impact")));
    }
}
