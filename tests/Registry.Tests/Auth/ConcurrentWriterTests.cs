using System.Text.Json.Nodes;
using System.Globalization;
using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registry.Tests.Auth;

/// <summary>
/// Many clients doing read-modify-write at once, each sending If-Match and retrying on 412, as a client of this API
/// should: every change survives, none overwrites another unseen.
/// </summary>
public sealed class ConcurrentWriterTests(SharedApi api, ITestOutputHelper output) : IClassFixture<SharedApi>
{
    private const int Writers = 10;
    private const int RoundsPerWriter = 3;

    [Fact]
    public async Task Ten_writers_incrementing_one_feature_with_If_Match_lose_no_update()
    {
        using var setup = api.CreateClient();
        var body = FeatureApi.Minimal("auth_counter");
        body["description"] = "count=0";
        await setup.CreateAsync(body);
        var url = $"{FeatureApi.Url}/auth_counter";

        var conflicts = 0;
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            using var client = await api.CreateClientWithScopeAsync("write");
            for (var round = 0; round < RoundsPerWriter; round++)
            {
                while (true)
                {
                    var read = await client.GetAsync(url);
                    var feature = (await read.ExpectAsync(200))!;
                    var count = int.Parse(((string)feature["description"]!)["count=".Length..], CultureInfo.InvariantCulture);
                    var tags = feature["tags"]!.AsArray().Select(t => (JsonNode)(string)t!).Append($"w{w}r{round}").ToArray();
                    var change = new JsonObject { ["description"] = $"count={count + 1}", ["tags"] = new JsonArray(tags) };
                    var write = await client.PutJsonAsync(url, change.ToJsonString(), read.ETag());
                    if ((int)write.StatusCode == 412) { Interlocked.Increment(ref conflicts); continue; }
                    await write.ExpectAsync(200);
                    break;
                }
            }
        })).ToList();
        await Task.WhenAll(writers);

        var final = await setup.GetAsync(url);
        var result = (await final.ExpectAsync(200))!;
        Assert.Equal($"count={Writers * RoundsPerWriter}", (string?)result["description"]);
        var expectedTags = Enumerable.Range(0, Writers).SelectMany(w => Enumerable.Range(0, RoundsPerWriter).Select(r => $"w{w}r{r}")).Order(StringComparer.Ordinal);
        Assert.Equal(expectedTags, result["tags"]!.AsArray().Select(t => (string)t!).Order(StringComparer.Ordinal));
        Assert.Equal($"\"{1 + Writers * RoundsPerWriter}\"", final.ETag()); // one revision per change, none lost or doubled
        output.WriteLine($"{Writers * RoundsPerWriter} increments, {conflicts} refused with 412 and retried");
    }

    [Fact]
    public async Task Concurrent_feature_set_publishers_with_If_Match_each_publish_once_per_attempt_won()
    {
        using var setup = api.CreateClient();
        await setup.CreateFeaturesAsync("auth_set_member");
        var created = await setup.PostSetAsync(FeatureSetApi.Create("auth_race_set", "auth_set_member"));
        await created.ExpectAsync(201);
        Assert.Equal("\"1.0.0\"", created.ETag());
        const int publishers = 5, each = 2;

        var conflicts = 0;
        var published = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            using var client = await api.CreateClientWithScopeAsync("write");
            for (var i = 0; i < each; i++)
            {
                while (true)
                {
                    var read = await client.GetAsync($"{FeatureSetApi.Url}/auth_race_set");
                    var set = (await read.ExpectAsync(200))!;
                    Assert.Equal($"\"{set["current_version"]}\"", read.ETag());
                    var body = new JsonObject { ["bump"] = "patch", ["members"] = FeatureSetApi.Members("auth_set_member"), ["created_by"] = $"publisher {p}" };
                    var request = new HttpRequestMessage(HttpMethod.Post, FeatureSetApi.VersionsUrl("auth_race_set")) { Content = HttpJson.Json(body.ToJsonString()) }
                        .WithIfMatch(read.ETag());
                    var response = await client.SendAsync(request);
                    if ((int)response.StatusCode == 412) { Interlocked.Increment(ref conflicts); continue; }
                    var version = (await response.ExpectAsync(201))!;
                    Assert.Equal($"\"{version["version"]}\"", response.ETag());
                    published.Add((string)version["version"]!);
                    break;
                }
            }
        })));

        var versions = (await (await setup.GetAsync(FeatureSetApi.VersionsUrl("auth_race_set"))).ExpectAsync(200))!;
        var all = versions["versions"]!.AsArray().Select(v => (string)v!["version"]!).ToList();
        Assert.Equal(1 + publishers * each, all.Count);
        Assert.Equal(published.Order(StringComparer.Ordinal), all.Where(v => v != "1.0.0").Order(StringComparer.Ordinal));
        Assert.Equal($"1.0.{publishers * each}", all[0]);
        output.WriteLine($"{publishers * each} publishes, {conflicts} refused with 412 and retried");
    }
}
