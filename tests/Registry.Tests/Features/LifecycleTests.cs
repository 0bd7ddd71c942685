using Registry.Tests.Infrastructure;

namespace Registry.Tests.Features;

public sealed class LifecycleTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Task<HttpResponseMessage> Post(string name, string action) => _client.PostAsync($"{FeatureApi.Url}/{name}/{action}", null);

    [Fact]
    public async Task A_feature_goes_draft_active_deprecated_active_archived()
    {
        await _client.CreateAsync("life_full");

        Assert.Equal("active", (string?)(await (await Post("life_full", "activate")).ExpectAsync(200))!["status"]);
        var deprecated = (await (await Post("life_full", "deprecate")).ExpectAsync(200))!;
        Assert.Equal("deprecated", (string?)deprecated["status"]);
        Assert.NotNull((string?)deprecated["deprecated_at"]);
        var reactivated = (await (await Post("life_full", "activate")).ExpectAsync(200))!;
        Assert.Null(reactivated["deprecated_at"]);
        await (await _client.DeleteAsync($"{FeatureApi.Url}/life_full")).ExpectAsync(204);

        var archived = (await (await _client.GetAsync($"{FeatureApi.Url}/life_full")).ExpectAsync(200))!;
        Assert.Equal("archived", (string?)archived["status"]);
    }

    [Fact]
    public async Task An_invalid_transition_is_409_naming_the_allowed_ones()
    {
        await _client.CreateAsync("life_twice");
        await _client.ActivateAsync("life_twice");

        var problem = await (await Post("life_twice", "activate")).ExpectProblemAsync(409);

        Assert.Equal("active", (string?)problem["current_status"]);
        Assert.Equal(["deprecate", "delete"], problem["allowed_actions"]!.AsArray().Select(a => (string)a!));
    }

    [Fact]
    public async Task Archived_is_final()
    {
        await _client.CreateAsync("life_final");
        await (await _client.DeleteAsync($"{FeatureApi.Url}/life_final")).ExpectAsync(204);

        await (await Post("life_final", "activate")).ExpectProblemAsync(409);
        await (await Post("life_final", "deprecate")).ExpectProblemAsync(409);
        // Deleting again changes nothing and is not an error.
        await (await _client.DeleteAsync($"{FeatureApi.Url}/life_final")).ExpectAsync(204);
    }

    [Fact]
    public async Task Deprecation_and_deletion_are_refused_while_active_dependents_exist()
    {
        await _client.CreateAsync("life_base");
        await _client.CreateAsync("life_user_a", "life_base");
        await _client.CreateAsync("life_user_b", "life_base");
        await _client.CreateAsync("life_user_draft", "life_base");
        await _client.ActivateAsync("life_base");
        await _client.ActivateAsync("life_user_a");
        await _client.ActivateAsync("life_user_b");

        var blocked = await (await Post("life_base", "deprecate")).ExpectProblemAsync(409);
        Assert.Equal(["life_user_a", "life_user_b"], blocked["active_dependents"]!.AsArray().Select(d => (string)d!["feature_name"]!));
        await (await _client.DeleteAsync($"{FeatureApi.Url}/life_base")).ExpectProblemAsync(409);

        // Deprecated and draft dependents do not block.
        await (await Post("life_user_a", "deprecate")).ExpectAsync(200);
        await (await _client.DeleteAsync($"{FeatureApi.Url}/life_user_b")).ExpectAsync(204);
        await (await Post("life_base", "deprecate")).ExpectAsync(200);
        await (await _client.DeleteAsync($"{FeatureApi.Url}/life_base")).ExpectAsync(204);
    }

    [Fact]
    public async Task Lifecycle_changes_honour_if_match()
    {
        var created = await _client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("life_etag").ToJsonString());
        await _client.PutJsonAsync($"{FeatureApi.Url}/life_etag", """{"owner": "someone-else"}""");

        var stale = new HttpRequestMessage(HttpMethod.Post, $"{FeatureApi.Url}/life_etag/activate").WithIfMatch(created.ETag());
        await (await _client.SendAsync(stale)).ExpectProblemAsync(412);
        var staleDelete = new HttpRequestMessage(HttpMethod.Delete, $"{FeatureApi.Url}/life_etag").WithIfMatch(created.ETag());
        await (await _client.SendAsync(staleDelete)).ExpectProblemAsync(412);
    }

    [Fact]
    public async Task Unknown_features_are_404()
    {
        await (await Post("life_ghost", "activate")).ExpectProblemAsync(404);
        await (await Post("life_ghost", "deprecate")).ExpectProblemAsync(404);
        await (await _client.DeleteAsync($"{FeatureApi.Url}/life_ghost")).ExpectProblemAsync(404);
    }
}
