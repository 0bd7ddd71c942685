using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>Concurrent ingests to one feature and to several: every acknowledged row is there, once, and the latest values agree.</summary>
public sealed class ConcurrentIngestTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Concurrent_batches_to_one_feature_all_land_and_overlapping_keys_resolve_to_one_value()
    {
        await _client.CreateAsync(FeatureApi.Minimal("concurrent_one"));
        // 12 writers: each owns an entity (disjoint keys) and also writes the shared entity S at the same instants.
        var tasks = Enumerable.Range(0, 12).Select(w => Task.Run(async () =>
        {
            var rows = Enumerable.Range(0, 50).Select(d => Row($"E{w}", Day(d), w * 1000 + d))
                .Append(Row("S", Day(w % 3), w)).ToArray();
            var result = await (await _client.PostRowsAsync("concurrent_one", rows)).ExpectAsync(200);
            return (long)result!["rows_received"]!;
        })).ToList();
        var received = await Task.WhenAll(tasks);
        Assert.All(received, r => Assert.Equal(51, r));

        var all = await _client.ReadValuesAsync("concurrent_one", "?limit=10000");
        Assert.Equal(12 * 50 + 3, all.Count); // S has three event times, each with one current value
        for (var w = 0; w < 12; w++)
        {
            var mine = all.Where(v => (string)v!["entity_id"]! == $"E{w}").Select(v => (double)v!["value"]!).ToList();
            Assert.Equal(Enumerable.Range(0, 50).Select(d => (double)(w * 1000 + d)), mine);
        }
        var latest = (await (await _client.GetAsync($"{ValuesUrl("concurrent_one")}/latest?entity_id=S&entity_id=E3")).ExpectAsync(200))!["values"]!.AsArray();
        Assert.Equal(Day(2), (string)latest.Single(v => (string)v!["entity_id"]! == "S")!["event_ts"]!);
        Assert.Equal(3049.0, (double)latest.Single(v => (string)v!["entity_id"]! == "E3")!["value"]!);
        // The latest value of S at Day(2) is the one a read of that key returns.
        var readS = all.Last(v => (string)v!["entity_id"]! == "S")!;
        Assert.Equal((double)readS["value"]!, (double)latest.Single(v => (string)v!["entity_id"]! == "S")!["value"]!);
    }

    [Fact]
    public async Task Concurrent_batches_to_several_features_in_every_format()
    {
        var names = Enumerable.Range(0, 6).Select(i => $"concurrent_many_{i}").ToList();
        foreach (var n in names) await _client.CreateAsync(FeatureApi.Minimal(n));
        var tasks = names.SelectMany((n, i) => Enumerable.Range(0, 3).Select(b => Task.Run(async () =>
        {
            var format = (i + b) % 3;
            var response = format switch
            {
                0 => await _client.PostRowsAsync(n, Enumerable.Range(0, 100).Select(d => Row($"B{b}", Day(d), d)).ToArray()),
                1 => await _client.PostCsvAsync(n, "entity_id,event_ts,value\n" + string.Concat(Enumerable.Range(0, 100).Select(d => $"B{b},{Day(d)},{d}\n"))),
                _ => await _client.PostParquetAsync(n, Parquet($"SELECT 'B{b}' AS entity_id, TIMESTAMP '2024-01-01 21:00:00' + to_days(CAST(i AS INTEGER)) AS event_ts, CAST(i AS DOUBLE) AS value FROM range(100) t(i)")),
            };
            await response.ExpectAsync(200);
        }))).ToList();
        await Task.WhenAll(tasks);
        foreach (var n in names)
        {
            var stats = (await (await _client.GetAsync($"{ValuesUrl(n)}/stats")).ExpectAsync(200))!;
            Assert.Equal(300, (long)stats["rows"]!);
            Assert.Equal(3, (long)stats["entities"]!);
            Assert.Equal(49.5, (double)stats["mean"]!);
        }
    }
}
