using System.Globalization;
using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Training;

/// <summary>
/// The API's training sets against a brute-force reference computed here over random data: row by row, with ties on
/// event time, supersession, gaps, entities without values, staleness limits and as_of.
/// </summary>
public sealed class PointInTimeTests(SharedApi api) : IClassFixture<SharedApi>
{
    private const string Url = "/api/v1/training-sets";
    private readonly HttpClient _client = api.CreateClient();
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Stored(string Entity, DateTimeOffset EventTs, double? Value, DateTimeOffset IngestedAt);

    [Fact]
    public async Task A_label_at_the_exact_event_time_of_a_corrected_value_sees_the_correction_and_as_of_the_original()
    {
        const string feature = "pit_exact_correction";
        await _client.CreateAsync(FeatureApi.Minimal(feature));
        var first = await (await _client.PostRowsAsync(feature, [Row("E", Iso(T0), 4.0)])).ExpectAsync(200);
        var firstAt = DateTimeOffset.Parse((string)first!["ingested_at"]!, CultureInfo.InvariantCulture);
        await Task.Delay(5); // the correction's ingest instant is later
        await (await _client.PostRowsAsync(feature, [Row("E", Iso(T0), 5.0)])).ExpectAsync(200);

        async Task<double?> AtAsync(DateTimeOffset? asOf)
        {
            var body = new JsonObject
            {
                ["features"] = new JsonArray(feature),
                ["rows"] = new JsonArray(new JsonObject { ["entity_id"] = "E", ["ts"] = Iso(T0) }, new JsonObject { ["entity_id"] = "E", ["ts"] = Iso(T0.AddSeconds(-1)) }),
            };
            if (asOf is { } at) body["as_of"] = Iso(at);
            var rows = (await (await _client.PostJsonAsync(Url, body.ToJsonString())).ExpectAsync(200))!["rows"]!.AsArray();
            Assert.Null((double?)rows[1]![feature]); // a second before the event: nothing yet
            return (double?)rows[0]![feature];
        }

        Assert.Equal(5.0, await AtAsync(null));
        Assert.Equal(4.0, await AtAsync(firstAt));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(1234)]
    public async Task Matches_a_brute_force_reference_row_by_row(int seed)
    {
        var random = new Random(seed);
        var features = Enumerable.Range(0, 4).Select(i => $"pit_{seed}_f{i}").ToList();
        var entities = new[] { "A", "B", "C", "D" }; // D never gets values
        var log = features.ToDictionary(f => f, _ => new List<Stored>());
        foreach (var f in features) await _client.CreateAsync(FeatureApi.Minimal(f));

        // Two waves: the second supersedes some keys and adds others; wave 1's ingest instant becomes an as_of.
        var waveOneAt = new Dictionary<string, DateTimeOffset>();
        for (var wave = 0; wave < 2; wave++)
        {
            foreach (var f in features)
            {
                var keys = new HashSet<(string, int)>();
                var rows = new List<JsonObject>();
                var count = random.Next(20, 60);
                for (var i = 0; i < count; i++)
                {
                    var e = entities[random.Next(3)];
                    var hour = random.Next(0, 24 * 20) / 6 * 6; // on a 6-hour grid, so label times often tie
                    if (!keys.Add((e, hour))) continue;
                    double? v = random.Next(10) == 0 ? null : Math.Round(random.NextDouble() * 100, 2);
                    rows.Add(Row(e, Iso(T0.AddHours(hour)), v));
                }
                var result = await (await _client.PostRowsAsync(f, rows)).ExpectAsync(200);
                var at = DateTimeOffset.Parse((string)result!["ingested_at"]!, CultureInfo.InvariantCulture);
                if (wave == 0) waveOneAt[f] = at;
                log[f].AddRange(rows.Select(r => new Stored((string)r["entity_id"]!, DateTimeOffset.Parse((string)r["event_ts"]!, CultureInfo.InvariantCulture),
                    (double?)r["value"], at)));
            }
        }

        var labels = Enumerable.Range(0, 300).Select(_ => (Entity: entities[random.Next(4)], Ts: T0.AddHours(random.Next(-12, 24 * 21) / 3 * 3))).ToList();
        var staleness = new Dictionary<string, TimeSpan> { [features[1]] = TimeSpan.FromHours(12), [features[3]] = TimeSpan.FromDays(2) };
        var asOf = waveOneAt.Values.Max();

        foreach (var withAsOf in new[] { false, true })
        {
            var body = new JsonObject
            {
                ["features"] = new JsonArray(features.Select(f => (JsonNode)f!).ToArray()),
                ["rows"] = new JsonArray(labels.Select(l => (JsonNode)new JsonObject { ["entity_id"] = l.Entity, ["ts"] = Iso(l.Ts) }).ToArray()),
                ["max_staleness"] = new JsonObject(staleness.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)System.Xml.XmlConvert.ToString(s.Value)))),
            };
            if (withAsOf) body["as_of"] = Iso(asOf);
            var answer = (await (await _client.PostJsonAsync(Url, body.ToJsonString())).ExpectAsync(200))!;
            var rows = answer["rows"]!.AsArray();
            Assert.Equal(labels.Count, rows.Count);
            for (var i = 0; i < labels.Count; i++)
            {
                var (entity, ts) = labels[i];
                Assert.Equal(entity, (string)rows[i]!["entity_id"]!);
                Assert.Equal(ts, DateTimeOffset.Parse((string)rows[i]!["ts"]!, CultureInfo.InvariantCulture));
                foreach (var f in features)
                {
                    var expected = Reference(log[f], entity, ts, withAsOf ? asOf : null, staleness.TryGetValue(f, out var s) ? s : null);
                    var actual = (double?)rows[i]![f];
                    Assert.True(expected == actual, $"seed {seed}, as_of {withAsOf}, row {i} ({entity} at {ts:O}), {f}: expected {expected}, got {actual}");
                }
            }
        }
    }

    /// <summary>The definition, literally: the newest ingest per event time, then the greatest event time ≤ ts.</summary>
    private static double? Reference(List<Stored> log, string entity, DateTimeOffset ts, DateTimeOffset? asOf, TimeSpan? staleness)
    {
        var best = log.Where(r => r.Entity == entity && r.EventTs <= ts && (asOf is null || r.IngestedAt <= asOf))
            .GroupBy(r => r.EventTs)
            .Select(g => g.MaxBy(r => r.IngestedAt)!)
            .MaxBy(r => r.EventTs);
        if (best is null) return null;
        if (staleness is { } s && ts - best.EventTs > s) return null;
        return best.Value;
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Ranges_uploads_and_exports_agree()
    {
        await _client.CreateAsync(FeatureApi.Minimal("pit_close"));
        await _client.IngestAsync("pit_close", Enumerable.Range(0, 10).Select(d => Row("AAPL", Day(d), d)).ToArray());
        var range = """{"features": ["pit_close@1.0.0"], "range": {"entity_ids": ["AAPL", "MSFT"], "from": "2024-01-02T22:00:00Z", "to": "2024-01-06T22:00:00Z", "step": "P1D"}}""";
        var json = (await (await _client.PostJsonAsync(Url, range)).ExpectAsync(200))!;
        var rows = json["rows"]!.AsArray();
        Assert.Equal(8, rows.Count);
        Assert.Equal([1.0, 2.0, 3.0, 4.0], rows.Take(4).Select(r => (double)r!["pit_close"]!));
        Assert.All(rows.Skip(4), r => Assert.Null(r!["pit_close"]));
        Assert.Equal("1.0.0", (string)json["features"]![0]!["feature_version"]!);

        var csv = await (await _client.PostAsync($"{Url}/upload?features=pit_close&format=csv",
            new StringContent("entity_id,ts\nAAPL,2024-01-03T22:00:00Z\nAAPL,2024-01-01T00:00:00Z\n", System.Text.Encoding.UTF8, "text/csv"))).Content.ReadAsStringAsync();
        Assert.Equal("entity_id,ts,pit_close\nAAPL,2024-01-03T22:00:00Z,2\nAAPL,2024-01-01T00:00:00Z,\n", csv);

        var labels = Parquet("SELECT 'AAPL' AS entity_id, TIMESTAMP '2024-01-05 22:00:00' AS ts");
        var content = new ByteArrayContent(labels);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.apache.parquet");
        var fromParquet = (await (await _client.PostAsync($"{Url}/upload?features=pit_close", content)).ExpectAsync(200))!;
        Assert.Equal(4.0, (double)fromParquet["rows"]![0]!["pit_close"]!);
    }

    [Fact]
    public async Task Bad_requests_name_the_field()
    {
        await _client.CreateAsync(FeatureApi.Minimal("pit_bad"));
        var cases = new (string Body, int Status, string Needle)[]
        {
            ("""{"rows": [{"entity_id": "A", "ts": "2024-01-01T00:00:00Z"}]}""", 400, "features"),
            ("""{"features": ["pit_bad"]}""", 400, "rows"),
            ("""{"features": ["Bad Name"], "rows": [{"entity_id": "A", "ts": "2024-01-01T00:00:00Z"}]}""", 400, "features[0]"),
            ("""{"features": ["pit_bad@x.y"], "rows": [{"entity_id": "A", "ts": "2024-01-01T00:00:00Z"}]}""", 400, "features[0]"),
            ("""{"features": ["pit_bad"], "rows": [{"entity_id": "", "ts": "2024-01-01T00:00:00Z"}]}""", 400, "rows[0].entity_id"),
            ("""{"features": ["pit_bad"], "rows": [{"entity_id": "A"}]}""", 400, "rows[0].ts"),
            ("""{"features": ["pit_bad"], "rows": [{"entity_id": "A", "ts": "2024-01-01T00:00:00Z"}], "max_staleness": {"pit_bad": "soon"}}""", 400, "max_staleness.pit_bad"),
            ("""{"features": ["pit_bad"], "range": {"entity_ids": ["A"], "from": "2024-01-02T00:00:00Z", "to": "2024-01-01T00:00:00Z", "step": "P1D"}}""", 400, "range.from"),
            ("""{"features": ["pit_bad"], "range": {"entity_ids": ["A"], "from": "2000-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z", "step": "PT1S"}}""", 400, "range"),
            ("""{"features": ["pit_bad", "pit_bad"], "rows": [{"entity_id": "A", "ts": "2024-01-01T00:00:00Z"}]}""", 400, "features"),
            ("""{"features": ["pit_none"], "rows": [{"entity_id": "A", "ts": "2024-01-01T00:00:00Z"}]}""", 422, "pit_none"),
            ("""{"features": ["pit_bad@7.0.0"], "rows": [{"entity_id": "A", "ts": "2024-01-01T00:00:00Z"}]}""", 422, "pit_bad@7.0.0"),
        };
        foreach (var (body, status, needle) in cases)
        {
            var problem = await (await _client.PostJsonAsync(Url, body)).ExpectProblemAsync(status);
            Assert.Contains(needle, problem.ToJsonString(), StringComparison.Ordinal);
        }
        await (await _client.PostAsync($"{Url}/upload?features=pit_bad", new StringContent("entity_id,when\nA,2024-01-01\n", System.Text.Encoding.UTF8, "text/csv")))
            .ExpectProblemAsync(400);
        await (await _client.PostAsync($"{Url}/upload?features=pit_bad", new StringContent("entity_id,ts\nA,someday\n", System.Text.Encoding.UTF8, "text/csv")))
            .ExpectProblemAsync(400);
        await (await _client.PostAsync($"{Url}/upload?features=pit_bad", new StringContent("entity_id,ts\nA,294247-01-10T04:00:54Z\n", System.Text.Encoding.UTF8, "text/csv")))
            .ExpectProblemAsync(400);
    }
}
