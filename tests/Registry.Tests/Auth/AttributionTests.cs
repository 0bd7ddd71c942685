using System.Text.Json.Nodes;
using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Auth;

/// <summary>
/// Who made a change is not forgeable (ADR 0029): `created_by` is free text that defaults to the calling key's name,
/// and `created_by_key` is the calling key's id, recorded by the server whatever the client sends.
/// </summary>
public sealed class AttributionTests(SharedApi factory) : IClassFixture<SharedApi>
{
    [Fact]
    public async Task Versions_rollbacks_and_set_versions_record_the_calling_key_and_default_to_its_name()
    {
        var (key, keyId) = await factory.CreateKeyAsync("write", name: "pipeline-7");
        using var pipeline = factory.CreateClientWithKey(key);
        await pipeline.CreateAsync(FeatureApi.Minimal("attr_close"));

        var initial = (await (await pipeline.GetAsync($"{FeatureApi.Url}/attr_close/versions/1.0.0")).ExpectAsync(200))!;
        Assert.Equal(("pipeline-7", keyId), ((string)initial["created_by"]!, (string)initial["created_by_key"]!));

        // Without created_by: the key's name. With one: that text, but the key id is still the caller's.
        var plain = (await (await pipeline.PostJsonAsync($"{FeatureApi.Url}/attr_close/versions", """{"bump": "minor"}""")).ExpectAsync(201))!["version"]!;
        Assert.Equal(("pipeline-7", keyId), ((string)plain["created_by"]!, (string)plain["created_by_key"]!));
        var claimed = (await (await pipeline.PostJsonAsync($"{FeatureApi.Url}/attr_close/versions",
            """{"bump": "minor", "created_by": "the-ceo"}""")).ExpectAsync(201))!["version"]!;
        Assert.Equal(("the-ceo", keyId), ((string)claimed["created_by"]!, (string)claimed["created_by_key"]!));
        await (await pipeline.PostJsonAsync($"{FeatureApi.Url}/attr_close/versions", """{"bump": "minor", "created_by": " "}""")).ExpectProblemAsync(400);

        var rollback = (await (await pipeline.PostAsync($"{FeatureApi.Url}/attr_close/rollback?target_version=1.0.0", null)).ExpectAsync(201))!["version"]!;
        Assert.Equal(("pipeline-7", keyId), ((string)rollback["created_by"]!, (string)rollback["created_by_key"]!));

        // Feature sets: the first version and later ones, as recorded and as read back.
        var set = FeatureSetApi.Create("attr_set", "attr_close");
        await (await pipeline.PostSetAsync(set)).ExpectAsync(201);
        var first = await pipeline.GetJsonAsync($"{FeatureSetApi.VersionsUrl("attr_set")}/1.0.0");
        Assert.Equal(("pipeline-7", keyId), ((string)first["created_by"]!, (string)first["created_by_key"]!));
        var next = new JsonObject { ["bump"] = "minor", ["members"] = FeatureSetApi.Members("attr_close") };
        var published = (await (await pipeline.PublishSetVersionAsync("attr_set", next)).ExpectAsync(201))!;
        Assert.Equal(("pipeline-7", keyId), ((string)published["created_by"]!, (string)published["created_by_key"]!));

        // Read back from the store, not just echoed: the listing has them too.
        var versions = await pipeline.GetJsonAsync($"{FeatureApi.Url}/attr_close/versions");
        Assert.All(versions["versions"]!.AsArray(), v => Assert.Equal(keyId, (string)v!["created_by_key"]!));
    }
}
