using System.Text.Json.Nodes;
using System.Globalization;
using Registry.Tests.Infrastructure;
using static Registry.Tests.FeatureSets.FeatureSetApi;

namespace Registry.Tests.FeatureSets;

/// <summary>Every refusal names what it refuses: the feature, the feature@version, each member's status, the field.</summary>
public sealed class FeatureSetRefusalTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(x => (string)x!).ToList();

    [Fact]
    public async Task Unknown_features_are_a_422_naming_each_of_them()
    {
        await _client.CreateFeaturesAsync("uf_known");

        var problem = await (await _client.PostSetAsync(Create("uf_set", "uf_known", "uf_missing", "uf_ghost@1.0.0"))).ExpectProblemAsync(422);

        Assert.Equal(["uf_missing", "uf_ghost"], Strings(problem["unknown_features"]));
        Assert.Contains("uf_missing, uf_ghost", (string?)problem["detail"]);
        await (await _client.GetAsync($"{Url}/uf_set")).ExpectProblemAsync(404); // nothing was created
    }

    [Fact]
    public async Task Unknown_feature_versions_are_a_422_naming_feature_at_version()
    {
        await _client.CreateFeaturesAsync("uv_a", "uv_b");

        var problem = await (await _client.PostSetAsync(Create("uv_set", "uv_a@1.0.0", "uv_b@2.0.0+build.1"))).ExpectProblemAsync(422);

        Assert.Equal(["uv_b@2.0.0+build.1"], Strings(problem["unknown_feature_versions"]));
        Assert.Contains("uv_b@2.0.0+build.1", (string?)problem["detail"]);
        // Build metadata is not part of a version's identity: 1.0.0+anything pins 1.0.0 as published.
        var created = await _client.CreateSetAsync("uv_set", "uv_a@1.0.0+sha.1", "uv_b");
        Assert.Equal(["uv_a@1.0.0", "uv_b@1.0.0"], Pinned(created["members"]));
    }

    [Fact]
    public async Task Deprecated_and_archived_members_are_refused_with_each_status_and_date()
    {
        await _client.CreateFeaturesAsync("st_ok", "st_old", "st_gone");
        var deprecated = (await (await _client.PostAsync($"{FeatureApi.Url}/st_old/deprecate", null)).ExpectAsync(200))!;
        await (await _client.DeleteAsync($"{FeatureApi.Url}/st_gone")).ExpectAsync(204);

        var problem = await (await _client.PostSetAsync(Create("st_set", "st_ok", "st_old", "st_gone@1.0.0"))).ExpectProblemAsync(422);

        var detail = (string)problem["detail"]!;
        var since = DateTimeOffset.Parse((string)deprecated["deprecated_at"]!, CultureInfo.InvariantCulture).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        Assert.Contains($"'st_old' is deprecated since {since}", detail);
        Assert.Contains("'st_gone' is archived", detail);
        Assert.DoesNotContain("st_ok", detail);
        var members = problem["unusable_members"]!.AsArray();
        Assert.Equal(["st_gone:archived", "st_old:deprecated"], members.Select(m => $"{m!["feature_name"]}:{m["status"]}"));
        Assert.Equal((string?)deprecated["deprecated_at"], (string?)members[1]!["deprecated_at"]);
    }

    [Fact]
    public async Task A_new_version_with_a_deprecated_member_is_refused_and_existing_versions_keep_it()
    {
        await _client.CreateFeaturesAsync("nv_a", "nv_b");
        await _client.CreateSetAsync("nv_set", "nv_a", "nv_b");
        // Deprecating a member is not blocked by the sets that include it; they show up in its impact instead.
        await (await _client.PostAsync($"{FeatureApi.Url}/nv_b/deprecate", null)).ExpectAsync(200);

        var problem = await (await _client.PublishSetVersionAsync("nv_set", NewVersion("1.1.0", "nv_a", "nv_b"))).ExpectProblemAsync(422);
        Assert.Contains("'nv_b' is deprecated since", (string?)problem["detail"]);

        Assert.Equal(["nv_a@1.0.0", "nv_b@1.0.0"], Pinned((await _client.GetJsonAsync($"{Url}/nv_set"))["members"]));
        // Replacing the member is the way forward; re-activating it works too.
        await (await _client.PublishSetVersionAsync("nv_set", NewVersion("1.1.0", "nv_a"))).ExpectAsync(201);
        await _client.ActivateAsync("nv_b");
        await (await _client.PublishSetVersionAsync("nv_set", NewVersion("1.2.0", "nv_a", "nv_b"))).ExpectAsync(201);
    }

    [Fact]
    public async Task A_feature_twice_in_one_version_is_a_400_naming_the_repeated_member()
    {
        await _client.CreateFeaturesAsync("dp_a", "dp_b");

        var problem = await (await _client.PostSetAsync(Create("dp_set", "dp_a", "dp_b", "dp_a@1.0.0"))).ExpectProblemAsync(400);

        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["members[2].feature_name"], errors.Select(e => e.Key));
        Assert.Contains("'dp_a' is already a member (members[0])", (string?)errors["members[2].feature_name"]![0]);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("null")]
    public async Task Empty_or_missing_members_are_a_400(string members)
    {
        var problem = await (await _client.PostJsonAsync(Url,
            $$"""{"feature_set_name": "em_set", "owner": "quant-team", "members": {{members}} }""")).ExpectProblemAsync(400);
        Assert.NotNull(problem["errors"]!["members"]);

        var missing = await (await _client.PostJsonAsync(Url, """{"feature_set_name": "em_set", "owner": "quant-team"}""")).ExpectProblemAsync(400);
        Assert.NotNull(missing["errors"]!["members"]);
    }

    [Fact]
    public async Task A_taken_name_is_a_409_whatever_the_members()
    {
        await _client.CreateFeaturesAsync("dn_feature");
        await _client.CreateSetAsync("dn_set", "dn_feature");

        var problem = await (await _client.PostSetAsync(Create("dn_set", "dn_feature"))).ExpectProblemAsync(409);
        Assert.Contains("'dn_set' already exists", (string?)problem["detail"]);
        await (await _client.PostSetAsync(Create("dn_set", "dn_unknown"))).ExpectProblemAsync(409);
    }

    [Fact]
    public async Task Concurrent_creations_of_one_name_give_one_201_and_409s()
    {
        await _client.CreateFeaturesAsync("cn_feature");
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _client.PostSetAsync(Create("cn_set", "cn_feature"))));
        Assert.Equal(1, responses.Count(r => (int)r.StatusCode == 201));
        Assert.All(responses.Where(r => (int)r.StatusCode != 201), r => Assert.Equal(409, (int)r.StatusCode));
    }

    [Theory]
    [InlineData("""{"feature_set_name": "Tech V1", "owner": "o", "members": [{"feature_name": "bi_feature"}]}""", "feature_set_name")]
    [InlineData("""{"feature_set_name": "bi_set", "members": [{"feature_name": "bi_feature"}]}""", "owner")]
    [InlineData("""{"feature_set_name": "bi_set", "owner": "o", "version": "1.0", "members": [{"feature_name": "bi_feature"}]}""", "version")]
    [InlineData("""{"feature_set_name": "bi_set", "owner": "o", "members": [{"feature_name": "Bad Name"}]}""", "members[0].feature_name")]
    [InlineData("""{"feature_set_name": "bi_set", "owner": "o", "members": [{"feature_version": "1.0.0"}]}""", "members[0].feature_name")]
    [InlineData("""{"feature_set_name": "bi_set", "owner": "o", "members": [{"feature_name": "bi_feature", "feature_version": "v1"}]}""", "members[0].feature_version")]
    [InlineData("""{"feature_set_name": "bi_set", "owner": "o", "members": [null]}""", "members[0]")]
    [InlineData("""{"feature_set_name": "bi_set", "owner": "o", "members": [{"feature_name": "bi_feature", "version": "1.0.0"}]}""", "members[0].version")]
    [InlineData("""{"feature_set_name": "bi_set", "owner": "o", "members": "bi_feature"}""", "members")]
    [InlineData("""{"feature_set_name": "bi_set", "owner": "o", "tags": ["a b"], "members": [{"feature_name": "bi_feature"}]}""", "tags[0]")]
    public async Task Malformed_input_is_a_400_keyed_by_the_field(string body, string field)
    {
        var problem = await (await _client.PostJsonAsync(Url, body)).ExpectProblemAsync(400);
        Assert.True(problem["errors"]![field] is not null, problem.ToJsonString());
    }
}
