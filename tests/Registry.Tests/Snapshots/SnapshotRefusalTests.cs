using Registry.Tests.Infrastructure;
using static Registry.Tests.Snapshots.SnapshotApi;

namespace Registry.Tests.Snapshots;

/// <summary>Requests a snapshot refuses, each naming the field or what is missing, and leaving nothing behind.</summary>
public sealed class SnapshotRefusalTests(RegistryApiFactory api) : IClassFixture<RegistryApiFactory>
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Bad_requests_are_refused_by_field_and_leave_no_record_and_no_files()
    {
        await SeedAsync(_client, "sr");
        var good = await _client.CreateSnapshotAsync("sr_set", Body(Jan1, Jan1.AddDays(2), "1d", "AAPL"));

        var cases = new (string Url, string Body, int Status, string Needle)[]
        {
            (CreateUrl("sr_none"), Body(Jan1, Jan1.AddDays(1)).ToJsonString(), 404, "sr_none"),
            (CreateUrl("sr_set", "9.9.9"), Body(Jan1, Jan1.AddDays(1)).ToJsonString(), 404, "9.9.9"),
            (CreateUrl("sr_set", "x.y"), Body(Jan1, Jan1.AddDays(1)).ToJsonString(), 400, "\"version\""),
            (CreateUrl("Bad-Name"), Body(Jan1, Jan1.AddDays(1)).ToJsonString(), 400, "feature_set_name"),
            (CreateUrl("sr_set"), Body(Jan1.AddDays(1), Jan1).ToJsonString(), 400, "\"from\""),
            (CreateUrl("sr_set"), Body(Jan1, Jan1).ToJsonString(), 400, "\"from\""),
            (CreateUrl("sr_set"), """{"to": "2024-01-02T00:00:00Z"}""", 400, "\"from\""),
            (CreateUrl("sr_set"), Body(Jan1, Jan1.AddDays(1), "2h").ToJsonString(), 400, "\"timeframe\""),
            (CreateUrl("sr_set"), Body(Jan1, Jan1.AddDays(1), "1D").ToJsonString(), 400, "\"timeframe\""),
            // 12.6 M one-minute instants: refused before any work.
            (CreateUrl("sr_set"), Body(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), Jan1, "1m").ToJsonString(), 400, "\"to\""),
            // 5.3 M instants × the 2 entities with values in the range: refused once the entities are known.
            (CreateUrl("sr_set"), Body(new DateTimeOffset(2014, 1, 1, 0, 0, 0, TimeSpan.Zero), Jan1.AddDays(4), "1m").ToJsonString(), 400, "\"to\""),
            (CreateUrl("sr_set"), """{"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z", "entity_ids": []}""", 400, "entity_ids"),
            (CreateUrl("sr_set"), """{"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z", "entity_ids": ["A", "A"]}""", 400, "entity_ids"),
            (CreateUrl("sr_set"), """{"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z", "entity_ids": [""]}""", 400, "entity_ids[0]"),
            (CreateUrl("sr_set"), """{"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z", "step": "P1D"}""", 400, "step"),
            // No stored value in 2023: no rows at all.
            (CreateUrl("sr_set"), Body(Jan1.AddYears(-1), Jan1.AddYears(-1).AddDays(7)).ToJsonString(), 422, "no values"),
            (CreateUrl("sr_set"), Body(Jan1.AddYears(-1), Jan1.AddYears(-1).AddDays(7), "1d").ToJsonString(), 422, "no values"),
            // Rows for an entity that never had a value: every cell null.
            (CreateUrl("sr_set"), Body(Jan1, Jan1.AddDays(3), "1d", "NOBODY").ToJsonString(), 422, "only nulls"),
        };
        foreach (var (url, body, status, needle) in cases)
        {
            var problem = await (await _client.PostJsonAsync(url, body)).ExpectProblemAsync(status);
            Assert.Contains(needle, problem.ToJsonString(), StringComparison.Ordinal);
        }

        var list = (await (await _client.GetAsync("/api/v1/snapshots")).ExpectAsync(200))!;
        Assert.Equal(1, (long)list["total"]!);
        var root = Root(api);
        Assert.Equal([(string)good["snapshot_id"]!], Directory.EnumerateDirectories(root).Select(Path.GetFileName).Where(n => n != ".staging"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, ".staging")));
    }

    [Fact]
    public async Task Reads_refuse_bad_ids_and_filters()
    {
        Assert.NotNull((await (await _client.GetAsync(Url("not-a-uuid"))).ExpectProblemAsync(400))["errors"]!["snapshot_id"]);
        Assert.NotNull((await (await _client.GetAsync($"{Url("42")}/normalization")).ExpectProblemAsync(400))["errors"]!["snapshot_id"]);
        Assert.Contains("does not exist", (string)(await (await _client.GetAsync(Url(Guid.NewGuid().ToString()))).ExpectProblemAsync(404))["detail"]!);
        await (await _client.GetAsync($"{Url(Guid.NewGuid().ToString())}/normalization")).ExpectProblemAsync(404);
        Assert.NotNull((await (await _client.GetAsync("/api/v1/snapshots?feature_set=Bad-Name")).ExpectProblemAsync(400))["errors"]!["feature_set"]);
        Assert.NotNull((await (await _client.GetAsync("/api/v1/snapshots?limit=501")).ExpectProblemAsync(400))["errors"]!["limit"]);
        Assert.NotNull((await (await _client.GetAsync("/api/v1/snapshots?skip=-1")).ExpectProblemAsync(400))["errors"]!["skip"]);
        var none = (await (await _client.GetAsync("/api/v1/snapshots?feature_set=no_such_set")).ExpectAsync(200))!;
        Assert.Equal(0, (long)none["total"]!);
    }
}
