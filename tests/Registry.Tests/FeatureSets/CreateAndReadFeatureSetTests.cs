using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;
using static Registry.Tests.FeatureSets.FeatureSetApi;

namespace Registry.Tests.FeatureSets;

public sealed class CreateAndReadFeatureSetTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Creating_a_set_publishes_its_first_version_with_every_member_pinned_explicitly()
    {
        await _client.CreateFeaturesAsync("cs_close", "cs_rsi");
        await _client.PublishFeatureVersionAsync("cs_rsi", "1.1.0");
        var body = Create("cs_tech_v1", "cs_close@1.0.0", "cs_rsi");
        body["tags"] = new JsonArray("technical", "daily", "technical");
        body["changelog"] = "Close and RSI.";

        var response = await _client.PostSetAsync(body);
        var created = (await response.ExpectAsync(201))!;

        Assert.Equal("/api/v1/feature-sets/cs_tech_v1", response.Headers.Location?.AbsolutePath);
        Assert.Equal("cs_tech_v1", (string?)created["feature_set_name"]);
        Assert.Equal("1.0.0", (string?)created["current_version"]);
        Assert.Equal("quant-team", (string?)created["owner"]);
        Assert.Equal(["technical", "daily"], created["tags"]!.AsArray().Select(t => (string)t!));
        // Without feature_version, the feature's current version at publish time is recorded.
        Assert.Equal(["cs_close@1.0.0", "cs_rsi@1.1.0"], Pinned(created["members"]));

        var v1 = await _client.GetJsonAsync($"{VersionsUrl("cs_tech_v1")}/1.0.0");
        Assert.Equal(["cs_close@1.0.0", "cs_rsi@1.1.0"], Pinned(v1["members"]));
        Assert.Equal("Close and RSI.", (string?)v1["changelog"]);
        Assert.Equal("bootstrap", (string?)v1["created_by"]); // the key's name, when created_by is not given
        Assert.Equal("bootstrap", (string?)v1["created_by_key"]);
        Assert.True((bool)v1["is_current"]!);

        // A later feature version does not move what the set pinned.
        await _client.PublishFeatureVersionAsync("cs_rsi", "1.2.0");
        Assert.Equal(["cs_close@1.0.0", "cs_rsi@1.1.0"], Pinned((await _client.GetJsonAsync($"{Url}/cs_tech_v1"))["members"]));
    }

    [Fact]
    public async Task Members_keep_the_order_they_were_given_in()
    {
        await _client.CreateFeaturesAsync("or_a", "or_b", "or_c");
        var created = await _client.CreateSetAsync("or_set", "or_c", "or_a", "or_b");
        Assert.Equal(["or_c@1.0.0", "or_a@1.0.0", "or_b@1.0.0"], Pinned(created["members"]));
        Assert.Equal(["or_c@1.0.0", "or_a@1.0.0", "or_b@1.0.0"], Pinned((await _client.GetJsonAsync($"{Url}/or_set"))["members"]));
    }

    [Fact]
    public async Task The_first_version_can_be_chosen_and_a_set_can_pin_an_older_feature_version()
    {
        await _client.CreateFeaturesAsync("fv_feature");
        await _client.PublishFeatureVersionAsync("fv_feature", "2.0.0");
        var body = Create("fv_set", "fv_feature@1.0.0");
        body["version"] = "0.1.0-beta.1";
        body["created_by"] = "ana";

        var created = (await (await _client.PostSetAsync(body)).ExpectAsync(201))!;

        Assert.Equal("0.1.0-beta.1", (string?)created["current_version"]);
        Assert.Equal(["fv_feature@1.0.0"], Pinned(created["members"]));
        Assert.Equal("ana", (string?)(await _client.GetJsonAsync($"{VersionsUrl("fv_set")}/0.1.0-beta.1"))["created_by"]);
    }

    [Fact]
    public async Task Get_answers_the_set_with_its_current_members_and_404s_name_what_is_missing()
    {
        await _client.CreateFeaturesAsync("gt_feature");
        await _client.CreateSetAsync("gt_set", "gt_feature");

        var set = await _client.GetJsonAsync($"{Url}/gt_set");
        Assert.Equal("gt_set for the tests", (string?)set["description"]);
        Assert.Equal(["gt_feature@1.0.0"], Pinned(set["members"]));
        Assert.EndsWith("Z", (string?)set["created_at"]);

        var missing = await (await _client.GetAsync($"{Url}/gt_nothing")).ExpectProblemAsync(404);
        Assert.Contains("'gt_nothing'", (string?)missing["detail"]);
        var badName = await (await _client.GetAsync($"{Url}/GT%20Set")).ExpectProblemAsync(400);
        Assert.NotNull(badName["errors"]!["feature_set_name"]);

        var noVersion = await (await _client.GetAsync($"{VersionsUrl("gt_set")}/9.9.9")).ExpectProblemAsync(404);
        Assert.Contains("no version 9.9.9", (string?)noVersion["detail"]);
        await (await _client.GetAsync($"{VersionsUrl("gt_nothing")}/1.0.0")).ExpectProblemAsync(404);
        await (await _client.GetAsync(VersionsUrl("gt_nothing"))).ExpectProblemAsync(404);
        var notSemVer = await (await _client.GetAsync($"{VersionsUrl("gt_set")}/latest")).ExpectProblemAsync(400);
        Assert.NotNull(notSemVer["errors"]!["version"]);
        // Build metadata does not tell versions apart.
        Assert.Equal("1.0.0", (string?)(await _client.GetJsonAsync($"{VersionsUrl("gt_set")}/1.0.0+build.5"))["version"]);
    }

    [Fact]
    public async Task The_list_is_ordered_by_name_filtered_by_owner_and_tag_and_paged()
    {
        await _client.CreateFeaturesAsync("ls_feature");
        foreach (var (name, owner, tags) in new[]
                 {
                     ("ls_c", "quant-team", new[] { "daily" }), ("ls_a", "quant-team", ["daily", "technical"]), ("ls_b", "risk-team", ["technical"]),
                 })
        {
            var body = Create(name, "ls_feature");
            body["owner"] = owner;
            body["tags"] = new JsonArray(tags.Select(t => (JsonNode)t!).ToArray());
            await (await _client.PostSetAsync(body)).ExpectAsync(201);
        }

        static List<string> Names(JsonNode list) => list["feature_sets"]!.AsArray().Select(s => (string)s!["feature_set_name"]!).ToList();

        var all = await _client.GetJsonAsync(Url);
        Assert.Equal(["ls_a", "ls_b", "ls_c"], Names(all));
        Assert.Equal(3, (int)all["total"]!);
        Assert.Equal(["ls_feature@1.0.0"], Pinned(all["feature_sets"]![0]!["members"]));

        Assert.Equal(["ls_a", "ls_c"], Names(await _client.GetJsonAsync($"{Url}?owner=quant-team")));
        Assert.Equal(["ls_a", "ls_b"], Names(await _client.GetJsonAsync($"{Url}?tags=technical")));
        Assert.Equal(["ls_a"], Names(await _client.GetJsonAsync($"{Url}?owner=quant-team&tags=technical")));
        // All of the tags, repeated or comma-separated, as on features.
        Assert.Equal(["ls_a"], Names(await _client.GetJsonAsync($"{Url}?tags=technical,daily")));
        Assert.Equal(["ls_a"], Names(await _client.GetJsonAsync($"{Url}?tags=technical&tags=daily")));
        Assert.Empty(Names(await _client.GetJsonAsync($"{Url}?owner=nobody")));

        var page = await _client.GetJsonAsync($"{Url}?skip=1&limit=1");
        Assert.Equal(["ls_b"], Names(page));
        Assert.Equal(3, (int)page["total"]!);
        Assert.Equal(1, (int)page["skip"]!);
        Assert.Equal(1, (int)page["limit"]!);
        var past = await _client.GetJsonAsync($"{Url}?skip=10");
        Assert.Empty(Names(past));
        Assert.Equal(3, (int)past["total"]!);

        var bounds = await (await _client.GetAsync($"{Url}?skip=-1&limit=501")).ExpectProblemAsync(400);
        Assert.NotNull(bounds["errors"]!["skip"]);
        Assert.NotNull(bounds["errors"]!["limit"]);
        await (await _client.GetAsync($"{Url}?limit=abc")).ExpectProblemAsync(400);
        await (await _client.GetAsync($"{Url}?owner=%00")).ExpectProblemAsync(400);
    }
}
