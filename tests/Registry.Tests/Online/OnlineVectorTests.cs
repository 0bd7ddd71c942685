using System.Globalization;
using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Online;

/// <summary>Online vectors of a feature set version, and training sets built from the same version.</summary>
public sealed class OnlineVectorTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    private static string OnlineUrl(string set, string version, params string[] entities) =>
        $"{FeatureSetApi.Url}/{set}/versions/{version}/online?" + string.Join("&", entities.Select(e => $"entity_id={Uri.EscapeDataString(e)}"));

    private async Task<(string Close, string Rsi, string Flag)> SetUpAsync(string prefix, string set)
    {
        var (close, rsi, flag) = ($"{prefix}_close", $"{prefix}_rsi", $"{prefix}_flag");
        await _client.CreateAsync(FeatureApi.Minimal(close));
        await _client.CreateAsync(FeatureApi.Minimal(rsi));
        await _client.CreateAsync(FeatureApi.Minimal(flag, dataType: "boolean"));
        await _client.IngestAsync(close, Row("AAPL", Day(0), 190.5), Row("AAPL", Day(2), 192.0), Row("MSFT", Day(1), 370.25));
        await _client.IngestAsync(rsi, Row("AAPL", Day(1), 55.0), Row("MSFT", Day(3), 61.5));
        await _client.IngestAsync(flag, Row("AAPL", Day(2), true));
        await _client.CreateSetAsync(set, $"{close}@1.0.0", $"{rsi}@1.0.0", $"{flag}@1.0.0");
        return (close, rsi, flag);
    }

    [Fact]
    public async Task A_vector_holds_the_latest_value_of_each_member_with_its_event_time_in_member_order()
    {
        var (close, rsi, flag) = await SetUpAsync("onl", "onl_set");
        var answer = (await (await _client.GetAsync(OnlineUrl("onl_set", "1.0.0", "AAPL", "MSFT", "NOPE"))).ExpectAsync(200))!;

        Assert.Equal("onl_set", (string)answer["feature_set_name"]!);
        Assert.Equal([close, rsi, flag], answer["features"]!.AsArray().Select(f => (string)f!["feature_name"]!));
        var vectors = answer["vectors"]!.AsArray();
        Assert.Equal(["AAPL", "MSFT", "NOPE"], vectors.Select(v => (string)v!["entity_id"]!));

        var aapl = vectors[0]!;
        Assert.Equal([close, rsi, flag], aapl["values"]!.AsObject().Select(p => p.Key)); // member order is column order
        Assert.Equal(192.0, (double)aapl["values"]![close]!);
        Assert.Equal(55.0, (double)aapl["values"]![rsi]!);
        Assert.True((bool)aapl["values"]![flag]!);
        Assert.Equal(DateTimeOffset.Parse(Day(2), CultureInfo.InvariantCulture), DateTimeOffset.Parse((string)aapl["event_ts"]![close]!, CultureInfo.InvariantCulture));
        Assert.True((double)aapl["age_seconds"]![close]! > 0);
        Assert.Empty(aapl["missing_features"]!.AsArray());

        var msft = vectors[1]!;
        Assert.Equal(370.25, (double)msft["values"]![close]!);
        Assert.Equal([flag], msft["missing_features"]!.AsArray().Select(f => (string)f!));
        Assert.Equal(3, vectors[2]!["missing_features"]!.AsArray().Count);

        // A newer value is served at once.
        await _client.IngestAsync(close, Row("AAPL", Day(5), 199.0));
        var again = (await (await _client.GetAsync(OnlineUrl("onl_set", "1.0.0", "AAPL"))).ExpectAsync(200))!;
        Assert.Equal(199.0, (double)again["vectors"]![0]!["values"]![close]!);
    }

    [Fact]
    public async Task A_breaking_change_of_a_member_is_a_409_naming_it_and_so_is_a_rollback_across_the_major()
    {
        var (close, rsi, _) = await SetUpAsync("brk", "brk_set");
        await (await _client.GetAsync(OnlineUrl("brk_set", "1.0.0", "AAPL"))).ExpectAsync(200);

        // A non-breaking version keeps the contract: still served.
        await (await _client.PostJsonAsync($"{FeatureApi.Url}/{rsi}/versions", """{"bump": "minor", "created_by": "x"}""")).ExpectAsync(201);
        await (await _client.GetAsync(OnlineUrl("brk_set", "1.0.0", "AAPL"))).ExpectAsync(200);

        await (await _client.PostJsonAsync($"{FeatureApi.Url}/{close}/versions", """{"version": "2.0.0", "breaking_changes": true, "created_by": "x"}""")).ExpectAsync(201);
        var problem = await (await _client.GetAsync(OnlineUrl("brk_set", "1.0.0", "AAPL"))).ExpectProblemAsync(409);
        var changed = problem["changed_members"]!.AsArray();
        var member = Assert.Single(changed)!;
        Assert.Equal(close, (string)member["feature_name"]!);
        Assert.Equal(1, (int)member["pinned_contract_major"]!);
        Assert.Equal(2, (int)member["current_contract_major"]!);
        Assert.Contains(close, (string)problem["detail"]!, StringComparison.Ordinal);

        // Rolling back to 1.0.0 crosses the major, so it is breaking too: 3.0.0, contract 3, whose values are new. The set
        // still pins contract 1, so it is still refused rather than fed values computed under another contract.
        await (await _client.PostAsync($"{FeatureApi.Url}/{close}/rollback?target_version=1.0.0",
            HttpJson.Json("""{"created_by": "on-call", "reason": "2.0.0 broke the model"}"""))).ExpectAsync(201);
        var still = await (await _client.GetAsync(OnlineUrl("brk_set", "1.0.0", "AAPL"))).ExpectProblemAsync(409);
        Assert.Equal(3, (int)still["changed_members"]![0]!["current_contract_major"]!);
    }

    [Fact]
    public async Task Normalize_with_applies_the_snapshots_z_scores_exactly_as_computed_over_its_rows()
    {
        var (close, rsi, flag) = await SetUpAsync("nrm", "nrm_set");
        await _client.CreateSetAsync("nrm_other", $"{close}@1.0.0");
        var snapshot = (await (await _client.PostJsonAsync($"{FeatureSetApi.Url}/nrm_set/versions/1.0.0/snapshots",
            """{"from": "2024-01-01T00:00:00Z", "to": "2024-01-06T00:00:00Z", "timeframe": "1d"}""")).ExpectAsync(201))!;
        var id = (string)snapshot["snapshot_id"]!;

        // The statistics, computed here from the snapshot's own rows (population standard deviation).
        var stats = (await (await _client.GetAsync($"/api/v1/snapshots/{id}/normalization")).ExpectAsync(200))!["features"]!.AsArray();
        var answer = (await (await _client.GetAsync(OnlineUrl("nrm_set", "1.0.0", "AAPL") + $"&normalize_with={id}")).ExpectAsync(200))!;
        Assert.Equal(id, (string)answer["normalized_with"]!);
        var vector = answer["vectors"]![0]!;
        foreach (var name in new[] { close, rsi })
        {
            var s = stats.Single(f => (string)f!["feature_name"]! == name)!;
            var (mean, std) = ((double)s["mean"]!, (double)s["std"]!);
            var raw = (double)vector["raw_values"]![name]!;
            Assert.Equal((raw - mean) / (std > 0 ? std : 1), (double)vector["values"]![name]!, 12);
        }
        Assert.True((bool)vector["values"]![flag]!); // not numeric: served as is

        // Without normalize_with the values are the raw ones.
        var plain = (await (await _client.GetAsync(OnlineUrl("nrm_set", "1.0.0", "AAPL"))).ExpectAsync(200))!;
        Assert.Equal(192.0, (double)plain["vectors"]![0]!["values"]![close]!);
        Assert.Null(plain["normalized_with"]);

        // A snapshot of another set version is refused; so are a malformed and an unknown id.
        var problem = await (await _client.GetAsync(OnlineUrl("nrm_other", "1.0.0", "AAPL") + $"&normalize_with={id}")).ExpectProblemAsync(422);
        Assert.Contains("nrm_set", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Contains("normalize_with", (await (await _client.GetAsync(OnlineUrl("nrm_set", "1.0.0", "AAPL") + "&normalize_with=latest")).ExpectProblemAsync(400)).ToJsonString());
        await (await _client.GetAsync(OnlineUrl("nrm_set", "1.0.0", "AAPL") + $"&normalize_with={Guid.NewGuid()}")).ExpectProblemAsync(404);
    }

    [Fact]
    public async Task Bad_requests_name_the_parameter()
    {
        await SetUpAsync("onb", "onb_set");
        Assert.Contains("entity_id", (await (await _client.GetAsync($"{FeatureSetApi.Url}/onb_set/versions/1.0.0/online")).ExpectProblemAsync(400)).ToJsonString());
        Assert.Contains("version", (await (await _client.GetAsync(OnlineUrl("onb_set", "one", "AAPL"))).ExpectProblemAsync(400)).ToJsonString());
        Assert.Contains("entity_id", (await (await _client.GetAsync(OnlineUrl("onb_set", "1.0.0", new string('x', 300)))).ExpectProblemAsync(400)).ToJsonString());
        await (await _client.GetAsync(OnlineUrl("onb_set", "9.0.0", "AAPL"))).ExpectProblemAsync(404);
        await (await _client.GetAsync(OnlineUrl("no_such_set", "1.0.0", "AAPL"))).ExpectProblemAsync(404);
        var many = string.Join("&", Enumerable.Range(0, 1001).Select(i => $"entity_id=e{i}"));
        await (await _client.GetAsync($"{FeatureSetApi.Url}/onb_set/versions/1.0.0/online?{many}")).ExpectProblemAsync(400);
    }

    [Fact]
    public async Task A_training_set_from_a_feature_set_version_has_its_members_as_columns_and_agrees_with_the_listed_form()
    {
        var (close, rsi, flag) = await SetUpAsync("tfs", "tfs_set");
        await (await _client.PostJsonAsync($"{FeatureApi.Url}/{close}/versions", """{"bump": "minor", "created_by": "x"}""")).ExpectAsync(201);
        var rows = """[{"entity_id": "AAPL", "ts": "2024-01-02T21:00:00Z"}, {"entity_id": "AAPL", "ts": "2024-01-04T00:00:00Z"}, {"entity_id": "MSFT", "ts": "2024-01-01T00:00:00Z"}]""";
        var bySet = (await (await _client.PostJsonAsync("/api/v1/training-sets", $$"""{"feature_set": "tfs_set", "rows": {{rows}}}""")).ExpectAsync(200))!;
        Assert.Equal("tfs_set", (string)bySet["feature_set"]!);
        Assert.Equal("1.0.0", (string)bySet["feature_set_version"]!);
        // Pinned to the set's versions, not the features' current ones (close is at 1.1.0 now).
        Assert.Equal([$"{close}@1.0.0", $"{rsi}@1.0.0", $"{flag}@1.0.0"],
            bySet["features"]!.AsArray().Select(f => $"{f!["feature_name"]}@{f["feature_version"]}"));
        Assert.Equal(["entity_id", "ts", close, rsi, flag], bySet["rows"]![0]!.AsObject().Select(p => p.Key));
        Assert.Equal(190.5, (double)bySet["rows"]![0]![close]!);
        Assert.Equal(55.0, (double)bySet["rows"]![1]![rsi]!);
        Assert.Null(bySet["rows"]![2]![close]);

        var listed = (await (await _client.PostJsonAsync("/api/v1/training-sets",
            $$"""{"features": ["{{close}}@1.0.0", "{{rsi}}@1.0.0", "{{flag}}@1.0.0"], "rows": {{rows}}}""")).ExpectAsync(200))!;
        Assert.Equal(listed["rows"]!.ToJsonString(), bySet["rows"]!.ToJsonString());

        var csv = await (await _client.PostAsync("/api/v1/training-sets/upload?feature_set=tfs_set&feature_set_version=1.0.0&format=csv",
            new StringContent("entity_id,ts\nAAPL,2024-01-04T00:00:00Z\n", System.Text.Encoding.UTF8, "text/csv"))).Content.ReadAsStringAsync();
        Assert.Equal($"entity_id,ts,{close},{rsi},{flag}\nAAPL,2024-01-04T00:00:00Z,192,55,true\n", csv);

        Assert.Contains("feature_set", (await (await _client.PostJsonAsync("/api/v1/training-sets",
            $$"""{"feature_set": "tfs_set", "features": ["{{close}}"], "rows": {{rows}}}""")).ExpectProblemAsync(400)).ToJsonString());
        Assert.Contains("feature_set_version", (await (await _client.PostJsonAsync("/api/v1/training-sets",
            $$"""{"feature_set": "tfs_set", "feature_set_version": "v1", "rows": {{rows}}}""")).ExpectProblemAsync(400)).ToJsonString());
        await (await _client.PostJsonAsync("/api/v1/training-sets", $$"""{"feature_set": "tfs_none", "rows": {{rows}}}""")).ExpectProblemAsync(404);
        await (await _client.PostJsonAsync("/api/v1/training-sets", $$"""{"feature_set": "tfs_set", "feature_set_version": "3.0.0", "rows": {{rows}}}""")).ExpectProblemAsync(404);
    }
}
