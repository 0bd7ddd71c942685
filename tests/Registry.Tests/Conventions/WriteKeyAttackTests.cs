using System.Text;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Conventions;

/// <summary>
/// What a holder of a write key tried against this session's paths: query values that now skip the validation visitor
/// (ADR 0053) and CSV bodies that the direct reader parses (ADR 0048). Each is a 4xx naming the field, or stored as data.
/// </summary>
public sealed class WriteKeyAttackTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    [Theory]
    [InlineData("?skip=-1", "skip")]
    [InlineData("?limit=abc", "limit")]
    [InlineData("?skip=99999999999", "skip")]
    [InlineData("?feature_type=nope", "feature_type")]
    [InlineData("?status=1", "status")]
    [InlineData("?tags=%00x", "tags")]
    [InlineData("?owner=a%00b", "owner")]
    public async Task Bad_list_parameters_are_400s_naming_the_parameter(string query, string field)
    {
        var problem = await (await _client.GetAsync(FeatureApi.Url + query)).ExpectProblemAsync(400);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
    }

    [Theory]
    [InlineData("AAPL,2026-01-02T00:00:00Z,1e400\n", "rows[0].value")]
    [InlineData("AAPL,2026-01-02T00:00:00Z,NaNx\n", "rows[0].value")]
    [InlineData("AAPL,2026-13-02T00:00:00Z,1\n", "rows[0].event_ts")]
    [InlineData("AAPL,2026-01-02T25:00:00Z,1\n", "rows[0].event_ts")]
    public async Task Hostile_csv_values_are_400s_naming_the_row_and_nothing_is_stored(string row, string field)
    {
        var feature = $"atk_{Guid.NewGuid():N}"[..20];
        await _client.CreateAsync(FeatureApi.Minimal(feature));
        var problem = await (await _client.PostCsvAsync(feature, "entity_id,event_ts,value\nGOOD,2026-01-01T00:00:00Z,1\n" + row.Replace("rows[0]", ""))).ExpectProblemAsync(400);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field.Replace("[0]", "[1]")), problem.ToJsonString());
        Assert.Empty(await _client.ReadValuesAsync(feature));
    }

    [Fact]
    public async Task Sql_and_key_syntax_in_entity_ids_is_stored_as_data()
    {
        var feature = $"atk_{Guid.NewGuid():N}"[..20];
        await _client.CreateAsync(FeatureApi.Minimal(feature));
        var hostile = new[] { "x'); DROP TABLE features; --", "a:b*c", "read_csv('/etc/passwd')" };
        var csv = new StringBuilder("entity_id,event_ts,value\n");
        foreach (var (id, i) in hostile.Select((id, i) => (id, i))) csv.Append(id).Append(",2026-01-0").Append(i + 1).Append("T00:00:00Z,").Append(i).Append('\n');
        await (await _client.PostCsvAsync(feature, csv.ToString())).ExpectAsync(200);

        var stored = await _client.ReadValuesAsync(feature);
        Assert.Equal(hostile.Order(StringComparer.Ordinal), stored.Select(v => (string)v!["entity_id"]!).Order(StringComparer.Ordinal));
        await (await _client.GetAsync(FeatureApi.Url)).ExpectAsync(200); // the registry is still there
    }
}
