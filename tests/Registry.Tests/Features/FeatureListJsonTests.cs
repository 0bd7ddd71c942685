using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.Features;
using Registry.Core.Features;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Features;

/// <summary>
/// List items are written once per definition instance (ADR 0052): they must equal the mapped answer of the same
/// definition, and a change must never be answered from what was written for the state before it.
/// </summary>
public sealed class FeatureListJsonTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    private async Task<JsonArray> ListAsync(string owner) =>
        (await (await _client.GetAsync($"{FeatureApi.Url}?owner={owner}&limit=50")).ExpectAsync(200))!["features"]!.AsArray();

    [Fact]
    public async Task Each_listed_item_is_the_definition_as_get_answers_it_and_a_change_is_listed_at_once()
    {
        const string owner = "lj-team";
        foreach (var name in new[] { "lj_close", "lj_volume", "lj_rsi" })
        {
            var body = FeatureApi.Minimal(name, owner: owner);
            body["tags"] = new JsonArray("lj", "price");
            body["description"] = $"{name} with \"quotes\", <angle> & ünïcödé";
            await _client.CreateAsync(body);
        }

        for (var round = 0; round < 2; round++) // the second round is answered from what the first wrote
        {
            var listed = await ListAsync(owner);
            Assert.Equal(["lj_close", "lj_rsi", "lj_volume"], listed.Select(f => (string)f!["feature_name"]!));
            foreach (var item in listed)
            {
                var single = (await (await _client.GetAsync($"{FeatureApi.Url}/{(string)item!["feature_name"]!}")).ExpectAsync(200))!;
                Assert.True(JsonNode.DeepEquals(single, item), $"listed {item.ToJsonString()}\nget {single.ToJsonString()}");
            }
        }

        await (await _client.PutJsonAsync($"{FeatureApi.Url}/lj_rsi", """{"description": "changed", "tags": ["lj"]}""")).ExpectAsync(200);
        await _client.ActivateAsync("lj_close");
        var after = await ListAsync(owner);
        Assert.Equal("changed", (string)after.Single(f => (string)f!["feature_name"]! == "lj_rsi")!["description"]!);
        Assert.Equal(["lj"], after.Single(f => (string)f!["feature_name"]! == "lj_rsi")!["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal("active", (string)after.Single(f => (string)f!["feature_name"]! == "lj_close")!["status"]!);
    }

    [Fact]
    public void Bytes_belong_to_one_definition_instance_and_a_changed_copy_is_written_anew()
    {
        var json = api.Services.GetRequiredService<FeatureResponseJson>();
        var definition = new FeatureDefinition
        {
            FeatureName = "lj_unit", CurrentVersion = "1.0.0", FeatureType = FeatureType.Raw, DataType = DataType.Float,
            Status = FeatureStatus.Draft, Owner = "a", Entity = "instrument_id",
        };

        var first = json.Of(definition);
        Assert.Same(first, json.Of(definition));
        var changed = json.Of(definition with { Owner = "b" });
        Assert.NotSame(first, changed);
        Assert.Equal("a", (string)JsonNode.Parse(first)!["owner"]!);
        Assert.Equal("b", (string)JsonNode.Parse(changed)!["owner"]!);
        // Equal records that are other instances are written for themselves: nothing is shared by value equality.
        Assert.NotSame(first, json.Of(definition with { }));
    }
}
