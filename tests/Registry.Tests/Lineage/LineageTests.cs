using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Lineage;

public sealed class LineageTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<JsonNode> Lineage(string name, string query = "") =>
        (await (await _client.GetAsync($"{FeatureApi.Url}/{name}/lineage{query}")).ExpectAsync(200))!;

    private static Dictionary<string, int> Depths(JsonNode lineage, string direction) => lineage["nodes"]!.AsArray()
        .Where(n => (string)n!["direction"]! == direction).ToDictionary(n => (string)n!["feature_name"]!, n => (int)n!["depth"]!);

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(x => (string)x!).ToList();

    [Fact]
    public async Task A_chain_is_walked_to_the_requested_depth()
    {
        await _client.CreateAsync("ch_a");
        await _client.CreateAsync("ch_b", "ch_a");
        await _client.CreateAsync("ch_c", "ch_b");
        await _client.CreateAsync("ch_d", "ch_c");

        var direct = await Lineage("ch_d", "?direction=upstream");
        Assert.Equal(["ch_c"], Strings(direct["all_upstream"]));
        Assert.Equal(["ch_c"], Strings(direct["upstream_features"]));

        var all = await Lineage("ch_d", "?recursive=true&direction=upstream");
        Assert.Equal(new Dictionary<string, int> { ["ch_c"] = 1, ["ch_b"] = 2, ["ch_a"] = 3 }, Depths(all, "upstream"));
        Assert.Equal(["ch_c", "ch_b", "ch_a"], Strings(all["all_upstream"]));
        Assert.Empty(all["all_downstream"]!.AsArray());

        var two = await Lineage("ch_d", "?recursive=true&direction=upstream&depth=2");
        Assert.Equal(["ch_c", "ch_b"], Strings(two["all_upstream"]));

        var down = await Lineage("ch_a", "?recursive=true&direction=downstream");
        Assert.Equal(new Dictionary<string, int> { ["ch_b"] = 1, ["ch_c"] = 2, ["ch_d"] = 3 }, Depths(down, "downstream"));
        Assert.Equal(1, (int)down["direct_dependents_count"]!);
        Assert.Equal(3, (int)down["total_dependents_count"]!);
        Assert.Equal(["ch_a>ch_b", "ch_b>ch_c", "ch_c>ch_d"], down["edges"]!.AsArray().Select(e => $"{e!["from"]}>{e!["to"]}"));
    }

    [Fact]
    public async Task A_diamond_gives_each_node_once_at_its_shortest_depth()
    {
        await _client.CreateAsync("dm_top");
        await _client.CreateAsync("dm_left", "dm_top");
        await _client.CreateAsync("dm_right", "dm_top");
        await _client.CreateAsync("dm_long", "dm_left");
        await _client.CreateAsync("dm_bottom", "dm_left", "dm_right", "dm_long");

        var down = await Lineage("dm_top", "?recursive=true&direction=downstream");

        Assert.Equal(new Dictionary<string, int> { ["dm_left"] = 1, ["dm_right"] = 1, ["dm_long"] = 2, ["dm_bottom"] = 2 }, Depths(down, "downstream"));
        Assert.Equal(4, (int)down["total_dependents_count"]!);
        Assert.Equal(2, (int)down["direct_dependents_count"]!);
        Assert.Equal(6, down["edges"]!.AsArray().Count);

        var up = await Lineage("dm_bottom", "?recursive=true&direction=upstream");
        Assert.Equal(new Dictionary<string, int> { ["dm_left"] = 1, ["dm_right"] = 1, ["dm_long"] = 1, ["dm_top"] = 2 }, Depths(up, "upstream"));
    }

    [Fact]
    public async Task Both_directions_and_node_details()
    {
        await _client.CreateAsync("bd_src");
        await _client.CreateAsync("bd_mid", "bd_src");
        await _client.CreateAsync("bd_out", "bd_mid");
        await _client.ActivateAsync("bd_src");

        var both = await Lineage("bd_mid", "?recursive=true");

        Assert.Equal("both", (string?)both["direction"]);
        Assert.Equal(["bd_src"], Strings(both["all_upstream"]));
        Assert.Equal(["bd_out"], Strings(both["all_downstream"]));
        var src = both["nodes"]!.AsArray().Single(n => (string)n!["feature_name"]! == "bd_src")!;
        Assert.Equal("active", (string?)src["status"]);
        Assert.Equal("quant-team", (string?)src["owner"]);
        Assert.Equal("1.0.0", (string?)src["current_version"]);
        Assert.Equal("bd_mid", (string?)both["feature_name"]);

        // The graph is whole: the feature asked about is the root node, and both ends of every edge are nodes.
        var root = both["nodes"]![0]!;
        Assert.Equal(("bd_mid", "root", 0), ((string)root["feature_name"]!, (string)root["direction"]!, (int)root["depth"]!));
        var nodes = both["nodes"]!.AsArray().Select(n => (string)n!["feature_name"]!).ToHashSet();
        Assert.Equal(["bd_mid", "bd_out", "bd_src"], nodes.Order());
        var edges = both["edges"]!.AsArray();
        Assert.Equal(2, edges.Count);
        Assert.All(edges, e => Assert.Subset(nodes, new HashSet<string> { (string)e!["from"]!, (string)e!["to"]! }));
    }

    [Fact]
    public async Task A_wide_fan_lists_every_dependent()
    {
        await _client.CreateAsync("fan_hub");
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => _client.CreateAsync($"fan_leaf_{i:D2}", "fan_hub")));

        var down = await Lineage("fan_hub", "?recursive=true&direction=downstream");

        Assert.Equal(60, Depths(down, "downstream").Count);
        Assert.All(Depths(down, "downstream").Values, d => Assert.Equal(1, d));
        Assert.Equal(60, (int)down["direct_dependents_count"]!);
    }

    [Theory]
    [InlineData("?recursive=true&depth=0", "depth")]
    [InlineData("?recursive=true&depth=101", "depth")]
    [InlineData("?depth=3", "depth")]
    [InlineData("?direction=sideways", "direction")]
    [InlineData("?recursive=maybe", "recursive")]
    public async Task Bad_lineage_queries_are_400(string query, string field)
    {
        await _client.CreateAsync(FeatureApi.Minimal("lq_bad"), allowExisting: true);
        var problem = await (await _client.GetAsync($"{FeatureApi.Url}/lq_bad/lineage{query}")).ExpectProblemAsync(400);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Unknown_features_are_404()
    {
        await (await _client.GetAsync($"{FeatureApi.Url}/lq_nobody/lineage")).ExpectProblemAsync(404);
        await (await _client.GetAsync($"{FeatureApi.Url}/lq_nobody/impact")).ExpectProblemAsync(404);
    }

    [Fact]
    public async Task Concurrent_edits_cannot_each_add_half_of_a_cycle()
    {
        for (var round = 0; round < 6; round++)
        {
            var (a, b) = ($"hc_a_{round}", $"hc_b_{round}");
            await _client.CreateAsync(a);
            await _client.CreateAsync(b);

            var responses = await Task.WhenAll(
                _client.PutJsonAsync($"{FeatureApi.Url}/{a}", $$"""{"upstream_features": ["{{b}}"]}"""),
                _client.PutJsonAsync($"{FeatureApi.Url}/{b}", $$"""{"upstream_features": ["{{a}}"]}"""));

            Assert.Equal([200, 422], responses.Select(r => (int)r.StatusCode).Order());
            var cycle = await responses.Single(r => (int)r.StatusCode == 422).ExpectProblemAsync(422);
            Assert.Equal(3, cycle["cycle"]!.AsArray().Count);
        }
    }
}
