using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>Ingest stores only what it can store faithfully: anything it would have to guess at is a 400 naming where.</summary>
public sealed class FaithfulIngestTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    private async Task<string> FeatureAsync(string name, string dataType = "float")
    {
        await _client.CreateAsync(FeatureApi.Minimal(name, dataType: dataType), allowExisting: true);
        return name;
    }

    [Theory]
    [InlineData("entity_id,event_ts,value\nAAPL,2024-01-02T21:00:00Z,ok\n\"MSFT,2024-01-03T21:00:00Z,b\nNVDA,2024-01-04T21:00:00Z,c\n", 3)]
    [InlineData("entity_id,event_ts,value\nAAPL,2024-01-02T21:00:00Z,\"open\n", 2)]
    [InlineData("entity_id,event_ts,value\r\nAAPL,2024-01-02T21:00:00Z,\"a \"\"quoted\"\" word\r\nMSFT,2024-01-03T21:00:00Z,x\r\n", 2)]
    public async Task An_unterminated_csv_quote_is_a_400_naming_its_line_and_nothing_is_stored(string csv, int line)
    {
        var f = await FeatureAsync("faith_csv_quote", "string");
        var problem = await (await _client.PostCsvAsync(f, csv)).ExpectProblemAsync(400);
        Assert.Contains($"CSV line {line}", (string)problem["errors"]!["body"]![0]!, StringComparison.Ordinal);
        Assert.Empty(await _client.ReadValuesAsync(f));
    }

    [Fact]
    public async Task Quoted_csv_fields_that_close_are_stored_as_written()
    {
        var f = await FeatureAsync("faith_csv_ok", "string");
        var csv = "entity_id,event_ts,value\nAAPL,2024-01-02T21:00:00Z,\"a, \"\"b\"\"\"\nMSFT,2024-01-02T21:00:00Z,\"\"\n";
        await (await _client.PostCsvAsync(f, csv)).ExpectAsync(200);
        var values = await _client.ReadValuesAsync(f);
        Assert.Equal("a, \"b\"", (string)values[0]!["value"]!);
    }

    [Theory]
    [InlineData("""{"entity_id": "A", "event_ts": "2024-01-02T21:00:00Z", "value": 1, "value": 2}""", "rows[0].value")]
    [InlineData("""{"entity_id": "A", "entity_id": "B", "event_ts": "2024-01-02T21:00:00Z", "value": 1}""", "rows[0].entity_id")]
    [InlineData("""{"entity_id": "A", "event_ts": "2024-01-02T21:00:00Z", "event_ts": "2024-01-03T21:00:00Z", "value": 1}""", "rows[0].event_ts")]
    public async Task A_field_given_twice_in_a_json_row_is_a_400_naming_it(string row, string field)
    {
        var f = await FeatureAsync("faith_json_dup");
        var body = $$"""{"rows": [{{row}}]}""";
        var problem = await (await _client.PostAsync(ValuesUrl(f), HttpJson.Json(body))).ExpectProblemAsync(400);
        Assert.Contains("twice", (string)problem["errors"]![field]![0]!, StringComparison.Ordinal);
        Assert.Empty(await _client.ReadValuesAsync(f));

        var version = await (await _client.PostAsync(ValuesUrl(f), HttpJson.Json("""{"feature_version": "1.0.0", "feature_version": "1.0.0", "rows": []}"""))).ExpectProblemAsync(400);
        Assert.NotNull(version["errors"]!["feature_version"]);
    }

    [Theory]
    [InlineData("1e-400", "faith_underflow_a")]
    [InlineData("-0.0000001e-330", "faith_underflow_b")]
    public async Task A_number_that_would_underflow_to_zero_is_a_400_naming_the_row_in_json_and_csv(string number, string feature)
    {
        var f = await FeatureAsync(feature);
        var json = $$"""{"rows": [{"entity_id": "A", "event_ts": "2024-01-02T21:00:00Z", "value": 0}, {"entity_id": "B", "event_ts": "2024-01-02T21:00:00Z", "value": {{number}}}]}""";
        var problem = await (await _client.PostAsync(ValuesUrl(f), HttpJson.Json(json))).ExpectProblemAsync(400);
        Assert.Contains("stored as 0", (string)problem["errors"]!["rows[1].value"]![0]!, StringComparison.Ordinal);

        var csv = "entity_id,event_ts,value\nA,2024-01-02T21:00:00Z,0.0\nB,2024-01-02T21:00:00Z," + number + "\n";
        var csvProblem = await (await _client.PostCsvAsync(f, csv)).ExpectProblemAsync(400);
        var message = (string)csvProblem["errors"]!["rows[1].value"]![0]!;
        Assert.Contains("CSV line 3", message, StringComparison.Ordinal);
        Assert.Empty(await _client.ReadValuesAsync(f));

        // Zero written as zero, and the smallest doubles (subnormal, not zero), are stored.
        await (await _client.PostAsync(ValuesUrl(f), HttpJson.Json("""{"rows": [{"entity_id": "A", "event_ts": "2024-01-02T21:00:00Z", "value": 0e-999}, {"entity_id": "B", "event_ts": "2024-01-02T21:00:00Z", "value": 5e-324}]}"""))).ExpectAsync(200);
        Assert.Equal([0.0, 5e-324], (await _client.ReadValuesAsync(f)).Select(v => (double)v!["value"]!));
    }
}
