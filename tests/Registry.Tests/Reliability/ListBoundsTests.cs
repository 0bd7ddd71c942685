using Registry.Tests.Infrastructure;

namespace Registry.Tests.Reliability;

/// <summary>Every list is paged and bounded: no request can ask for an unbounded answer.</summary>
public sealed class ListBoundsTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory> // seeds the example names (RegistrySeed)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Every_operation_with_a_limit_refuses_one_beyond_its_bound_and_a_negative_skip()
    {
        await RegistrySeed.SeedAsync(_client);
        var doc = (await (await _client.GetAsync("/swagger/v1/swagger.json")).ExpectAsync(200))!;
        var paged = new List<string>();
        foreach (var (path, item) in doc["paths"]!.AsObject())
        {
            var get = item!["get"];
            if (get?["parameters"]?.AsArray().Any(p => (string?)p!["name"] == "limit") != true) continue;
            var url = path.Replace("{feature_name}", RegistrySeed.Rsi, StringComparison.Ordinal)
                .Replace("{feature_set_name}", RegistrySeed.FeatureSet, StringComparison.Ordinal)
                .Replace("{snapshot_id}", Guid.NewGuid().ToString(), StringComparison.Ordinal); // paging is checked before existence
            var hasSkip = get["parameters"]!.AsArray().Any(p => (string?)p!["name"] == "skip");
            var problem = await (await _client.GetAsync($"{url}?limit=2000000{(hasSkip ? "&skip=-1" : "")}")).ExpectProblemAsync(400);
            Assert.NotNull(problem["errors"]!["limit"]);
            if (hasSkip) Assert.NotNull(problem["errors"]!["skip"]);
            paged.Add(path);
        }
        // The lists this registry has; a new one is checked automatically once it declares limit.
        Assert.Superset(new HashSet<string>
        {
            "/api/v1/features", "/api/v1/features/{feature_name}/versions", "/api/v1/features/{feature_name}/usage",
            "/api/v1/features/{feature_name}/values", "/api/v1/feature-sets", "/api/v1/feature-sets/{feature_set_name}/versions",
            "/api/v1/snapshots", "/api/v1/snapshots/{snapshot_id}/usage", "/api/v1/api-keys",
        }, paged.ToHashSet());
    }

    [Fact]
    public async Task Version_lists_are_paged_with_the_total()
    {
        await _client.CreateAsync(FeatureApi.Minimal("paged_versions"));
        foreach (var v in new[] { "1.1.0", "1.2.0", "1.3.0" })
            await (await _client.PostJsonAsync($"{FeatureApi.Url}/paged_versions/versions", $$"""{"version": "{{v}}", "changelog": "step", "created_by": "quant-team"}""")).ExpectAsync(201);

        var page = (await (await _client.GetAsync($"{FeatureApi.Url}/paged_versions/versions?skip=1&limit=2")).ExpectAsync(200))!;
        Assert.Equal(["1.2.0", "1.1.0"], page["versions"]!.AsArray().Select(v => (string)v!["version"]!));
        Assert.Equal(4, (int)page["total"]!);
        Assert.Equal(1, (int)page["skip"]!);
        Assert.Equal(2, (int)page["limit"]!);
        var all = (await (await _client.GetAsync($"{FeatureApi.Url}/paged_versions/versions")).ExpectAsync(200))!;
        Assert.Equal(4, all["versions"]!.AsArray().Count);
        Assert.Equal(100, (int)all["limit"]!);
    }
}
