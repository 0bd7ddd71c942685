using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Features;

public sealed class ListFeaturesTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();

    public async Task InitializeAsync()
    {
        if ((int)(await GetListAsync(""))["total"]! > 0) return; // the fixture's database is shared by this class's tests
        await Create("price_close", "raw", "data-eng", ["price"], "Daily close price");
        await Create("price_volume", "raw", "data-eng", ["price", "volume"], "Daily volume");
        await Create("rsi_14", "technical_indicator", "quant-team", ["technical", "momentum"], "Relative strength index");
        await Create("macd_12_26", "technical_indicator", "quant-team", ["technical", "momentum", "trend"], "MACD line");
        await Create("news_sentiment", "sentiment", "nlp-team", ["nlp"], "News sentiment 100%_score");
        await Create("old_signal", "derived", "quant-team", ["technical"], "Retired");
        await (await _client.DeleteAsync($"{FeatureApi.Url}/old_signal")).ExpectAsync(204);
        await _client.ActivateAsync("rsi_14");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task Create(string name, string type, string owner, string[] tags, string description)
    {
        var body = FeatureApi.Minimal(name, type, owner: owner);
        body["tags"] = new JsonArray(tags.Select(t => (JsonNode)t!).ToArray());
        body["description"] = description;
        await _client.CreateAsync(body);
    }

    private async Task<JsonNode> GetListAsync(string query) =>
        (await (await _client.GetAsync($"{FeatureApi.Url}{query}")).ExpectAsync(200))!;

    private static List<string> Names(JsonNode page) => page["features"]!.AsArray().Select(f => (string)f!["feature_name"]!).ToList();

    [Fact]
    public async Task Lists_by_name_and_hides_archived_features()
    {
        var page = await GetListAsync("");
        Assert.Equal(["macd_12_26", "news_sentiment", "price_close", "price_volume", "rsi_14"], Names(page));
        Assert.Equal(5, (int)page["total"]!);
    }

    [Fact]
    public async Task Archived_features_appear_when_asked_for()
    {
        Assert.Equal(["old_signal"], Names(await GetListAsync("?status=archived")));
    }

    [Theory]
    [InlineData("?feature_type=technical_indicator", "macd_12_26,rsi_14")]
    [InlineData("?status=active", "rsi_14")]
    [InlineData("?owner=data-eng", "price_close,price_volume")]
    [InlineData("?tags=technical", "macd_12_26,rsi_14")]
    [InlineData("?tags=technical&tags=trend", "macd_12_26")]
    [InlineData("?tags=price,volume", "price_volume")]
    [InlineData("?search=STRENGTH", "rsi_14")]
    [InlineData("?search=price", "price_close,price_volume")]
    [InlineData("?search=100%25_", "news_sentiment")]
    [InlineData("?search=_", "macd_12_26,news_sentiment,price_close,price_volume,rsi_14")]
    [InlineData("?search=%25", "news_sentiment")]
    [InlineData("?feature_type=raw&tags=volume&owner=data-eng", "price_volume")]
    [InlineData("?owner=nobody", "")]
    [InlineData("?tags=&search=", "macd_12_26,news_sentiment,price_close,price_volume,rsi_14")]
    public async Task Filters_combine(string query, string expected)
    {
        var page = await GetListAsync(query);
        var names = Names(page);
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries), names);
        Assert.Equal(names.Count, (int)page["total"]!);
    }

    [Fact]
    public async Task Pages_are_stable_and_total_counts_all_matches()
    {
        var first = await GetListAsync("?limit=2");
        var second = await GetListAsync("?skip=2&limit=2");
        var third = await GetListAsync("?skip=4&limit=2");
        var beyond = await GetListAsync("?skip=50&limit=2");

        Assert.Equal(["macd_12_26", "news_sentiment"], Names(first));
        Assert.Equal(["price_close", "price_volume"], Names(second));
        Assert.Equal(["rsi_14"], Names(third));
        Assert.Empty(Names(beyond));
        Assert.All(new[] { first, second, third, beyond }, p => Assert.Equal(5, (int)p["total"]!));
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=501", "limit")]
    [InlineData("?skip=-1", "skip")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?feature_type=crystal_ball", "feature_type")]
    [InlineData("?status=gone", "status")]
    [InlineData("?owner=a%00b", "owner")]
    [InlineData("?search=%00", "search")]
    [InlineData("?tags=%00", "tags")]
    public async Task Bad_query_parameters_are_400_naming_them(string query, string field)
    {
        var problem = await (await _client.GetAsync($"{FeatureApi.Url}{query}")).ExpectProblemAsync(400);
        Assert.NotNull(problem["errors"]![field]);
    }
}
