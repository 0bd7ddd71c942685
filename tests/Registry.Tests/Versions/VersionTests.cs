using Registry.Tests.Infrastructure;

namespace Registry.Tests.Versions;

public sealed class VersionTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Versions(string name) => $"{FeatureApi.Url}/{name}/versions";

    private Task<HttpResponseMessage> Publish(string name, string json) => _client.PostJsonAsync(Versions(name), json);

    private static string Body(string version, bool breaking = false, string code = "x") => $$"""
        {"version": "{{version}}", "breaking_changes": {{(breaking ? "true" : "false")}}, "created_by": "quant-team",
         "transformation": {"transformation_type": "python", "code": "{{code}}", "parameters": {"period": 14} } }
        """;

    private async Task<List<string>> ListedVersions(string name)
    {
        var list = (await (await _client.GetAsync(Versions(name))).ExpectAsync(200))!;
        Assert.Equal(list["versions"]!.AsArray().Count, (int)list["total"]!);
        return list["versions"]!.AsArray().Select(v => (string)v!["version"]!).ToList();
    }

    [Fact]
    public async Task Creating_a_feature_records_version_1_0_0_with_its_snapshots()
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_base"));
        await _client.CreateAsync(FeatureApi.StockRsi("v_rsi", "v_base"));

        var v1 = (await (await _client.GetAsync($"{Versions("v_rsi")}/1.0.0")).ExpectAsync(200))!;

        Assert.Equal("1.0.0", (string?)v1["version"]);
        Assert.True((bool)v1["is_current"]!);
        Assert.Equal("python", (string?)v1["transformation_snapshot"]!["transformation_type"]);
        Assert.Equal("range", (string?)v1["validation_snapshot"]![0]!["rule_type"]);
        // By default the name of the key that created the feature (here the bootstrap key), and its id, recorded by the server.
        Assert.Equal("bootstrap", (string?)v1["created_by"]);
        Assert.Equal("bootstrap", (string?)v1["created_by_key"]);
    }

    [Fact]
    public async Task A_new_version_becomes_current_and_keeps_its_own_snapshot()
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_cur_base"));
        await _client.CreateAsync(FeatureApi.StockRsi("v_cur", "v_cur_base"));

        var published = (await (await Publish("v_cur", """
            {"version": "1.1.0", "changelog": "Wilder", "created_by": "ana",
             "transformation": {"transformation_type": "python", "code": "wilder()", "parameters": {"period": 14, "smoothing": "wilder"}}}
            """)).ExpectAsync(201))!;

        Assert.Equal("1.1.0", (string?)published["version"]!["version"]);
        var feature = (await (await _client.GetAsync($"{FeatureApi.Url}/v_cur")).ExpectAsync(200))!;
        Assert.Equal("1.1.0", (string?)feature["current_version"]);
        Assert.Equal("wilder()", (string?)feature["transformation"]!["code"]);
        // Rules were not given, so they are carried over from 1.0.0.
        Assert.Equal("range", (string?)feature["validation_rules"]![0]!["rule_type"]);

        var v1 = (await (await _client.GetAsync($"{Versions("v_cur")}/1.0.0")).ExpectAsync(200))!;
        Assert.Equal("def calculate_rsi(prices, period=14): ...", (string?)v1["transformation_snapshot"]!["code"]);
        Assert.False((bool)v1["is_current"]!);
    }

    [Fact]
    public async Task Versions_are_listed_newest_first_by_semver_precedence_pre_releases_included()
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_order"));
        foreach (var v in new[] { "1.0.1", "1.1.0-alpha", "1.1.0-rc.2", "1.1.0-rc.10", "1.1.0", "1.2.0", "1.10.0" })
            await (await Publish("v_order", Body(v))).ExpectAsync(201);

        Assert.Equal(["1.10.0", "1.2.0", "1.1.0", "1.1.0-rc.10", "1.1.0-rc.2", "1.1.0-alpha", "1.0.1", "1.0.0"], await ListedVersions("v_order"));
    }

    [Theory]
    [InlineData("1.0.0", 409)]             // exists
    [InlineData("1.0.0+build.7", 409)]     // same precedence as 1.0.0: build metadata does not order
    [InlineData("0.9.0", 422)]             // lower
    [InlineData("1.0.0-rc.1", 422)]        // a pre-release of 1.0.0 is lower than 1.0.0
    [InlineData("1.0.1-rc.1", 201)]
    [InlineData("1.0.1+sha.5114f85", 201)]
    public async Task A_version_must_be_strictly_greater_than_every_existing_one(string version, int status)
    {
        var name = $"v_gt_{Guid.NewGuid():N}"[..20];
        await _client.CreateAsync(FeatureApi.Minimal(name));
        var response = await Publish(name, Body(version));
        if (status == 201) await response.ExpectAsync(201);
        else await response.ExpectProblemAsync(status);
    }

    [Theory]
    [InlineData("v1.1.0")]
    [InlineData("1.1")]
    [InlineData("01.1.0")]
    [InlineData("1.1.0-01")]
    [InlineData("1.1.0.0")]
    public async Task A_version_that_is_not_semver_is_400(string version)
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_semver"), allowExisting: true);
        var problem = await (await Publish("v_semver", Body(version))).ExpectProblemAsync(400);
        Assert.NotNull(problem["errors"]!["version"]);
    }

    [Fact]
    public async Task A_breaking_change_demands_a_major_version()
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_break"));
        var minor = await (await Publish("v_break", Body("1.1.0", breaking: true))).ExpectProblemAsync(422);
        Assert.Equal("2.0.0", (string?)minor["minimum_version"]);
        await (await Publish("v_break", """{"bump": "patch", "breaking_changes": true, "created_by": "x"}""")).ExpectProblemAsync(422);

        await (await Publish("v_break", Body("2.0.0", breaking: true))).ExpectAsync(201);
        var bumped = (await (await Publish("v_break", """{"bump": "major", "breaking_changes": true, "created_by": "x"}""")).ExpectAsync(201))!;
        Assert.Equal("3.0.0", (string?)bumped["version"]!["version"]);
        Assert.True((bool)bumped["version"]!["breaking_changes"]!);
    }

    [Fact]
    public async Task The_server_computes_bumps_from_the_highest_version()
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_bump"));
        async Task<string> Bump(string kind) =>
            (string)(await (await Publish("v_bump", $$"""{"bump": "{{kind}}", "created_by": "x"}""")).ExpectAsync(201))!["version"]!["version"]!;

        Assert.Equal("1.0.1", await Bump("patch"));
        Assert.Equal("1.1.0", await Bump("minor"));
        Assert.Equal("2.0.0", await Bump("major"));
        // A bump of a pre-release of its kind releases it, as npm's semver.inc does.
        await (await Publish("v_bump", Body("2.1.0-rc.1"))).ExpectAsync(201);
        Assert.Equal("2.1.0", await Bump("patch"));
        await (await Publish("v_bump", Body("3.0.0-rc.1"))).ExpectAsync(201);
        Assert.Equal("3.0.0", await Bump("major"));
        await (await Publish("v_bump", Body("3.1.0-beta"))).ExpectAsync(201);
        Assert.Equal("3.1.0", await Bump("minor"));
    }

    [Theory]
    [InlineData("""{"created_by": "x"}""", "version")]
    [InlineData("""{"version": "1.1.0", "bump": "minor", "created_by": "x"}""", "version")]
    [InlineData("""{"bump": "huge", "created_by": "x"}""", "bump")]
    [InlineData("""{"version": "1.1.0", "created_by": " "}""", "created_by")]
    [InlineData("""{"version": "1.1.0", "created_by": "x", "validation_rules": [{"rule_type": "regex", "parameters": {"pattern": "^a"}}]}""", "validation_rules[0].parameters")]
    [InlineData("""{"version": "1.1.0", "created_by": "x", "transformation": {"transformation_type": "sql"}}""", "transformation.code")]
    public async Task Bad_version_requests_are_400_naming_the_field(string body, string field)
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_bad"), allowExisting: true);
        var problem = await (await Publish("v_bad", body)).ExpectProblemAsync(400);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem["errors"]!.ToJsonString());
        Assert.Equal(["1.0.0"], await ListedVersions("v_bad"));
    }

    [Fact]
    public async Task Unknown_features_and_versions_are_404()
    {
        await (await Publish("v_nobody", Body("1.1.0"))).ExpectProblemAsync(404);
        await (await _client.GetAsync(Versions("v_nobody"))).ExpectProblemAsync(404);
        await _client.CreateAsync(FeatureApi.Minimal("v_known"));
        await (await _client.GetAsync($"{Versions("v_known")}/9.9.9")).ExpectProblemAsync(404);
        var bad = await (await _client.GetAsync($"{Versions("v_known")}/latest")).ExpectProblemAsync(400);
        Assert.NotNull(bad["errors"]!["version"]);
    }

    [Fact]
    public async Task Concurrent_creates_of_one_version_give_one_201_and_the_rest_409_never_two_rows()
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_race"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Publish("v_race", Body("1.1.0", code: $"writer{i}"))));

        Assert.Equal(1, responses.Count(r => (int)r.StatusCode == 201));
        Assert.Equal(7, responses.Count(r => (int)r.StatusCode == 409));
        Assert.Equal(["1.1.0", "1.0.0"], await ListedVersions("v_race"));
        var winner = await responses.Single(r => (int)r.StatusCode == 201).ReadJsonAsync();
        var feature = (await (await _client.GetAsync($"{FeatureApi.Url}/v_race")).ExpectAsync(200))!;
        Assert.Equal((string?)winner["version"]!["transformation_snapshot"]!["code"], (string?)feature["transformation"]!["code"]);
    }

    [Fact]
    public async Task Concurrent_bumps_each_get_their_own_version()
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_bumps"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Publish("v_bumps", """{"bump": "patch", "created_by": "x"}""")));

        Assert.All(responses, r => Assert.Equal(201, (int)r.StatusCode));
        Assert.Equal(["1.0.6", "1.0.5", "1.0.4", "1.0.3", "1.0.2", "1.0.1", "1.0.0"], await ListedVersions("v_bumps"));
    }

    [Fact]
    public async Task Publishing_honours_if_match_and_refuses_archived_features()
    {
        var created = await _client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("v_etag").ToJsonString());
        await (await Publish("v_etag", Body("1.0.1"))).ExpectAsync(201);
        var stale = new HttpRequestMessage(HttpMethod.Post, Versions("v_etag")) { Content = HttpJson.Json(Body("1.0.2")) }.WithIfMatch(created.ETag());
        await (await _client.SendAsync(stale)).ExpectProblemAsync(412);

        await (await _client.DeleteAsync($"{FeatureApi.Url}/v_etag")).ExpectAsync(204);
        await (await Publish("v_etag", Body("1.0.3"))).ExpectProblemAsync(409);
    }

    [Fact]
    public async Task A_diff_names_each_changed_field()
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_diff_base"));
        await _client.CreateAsync(FeatureApi.StockRsi("v_diff", "v_diff_base"));
        await (await Publish("v_diff", """
            {"version": "1.1.0", "created_by": "x",
             "transformation": {"transformation_type": "python", "code": "def calculate_rsi(prices, period=14): ...", "parameters": {"period": 21, "smoothing": "wilder"}},
             "validation_rules": [{"rule_type": "range", "parameters": {"min": 0, "max": 100.0}, "is_blocking": false},
                                  {"rule_type": "null_check", "parameters": {}}]}
            """)).ExpectAsync(201);

        var diff = (await (await _client.GetAsync($"{Versions("v_diff")}/1.0.0/diff/1.1.0")).ExpectAsync(200))!;

        var changes = diff["changes"]!.AsArray().ToDictionary(c => (string)c!["field"]!, c => c!);
        Assert.Equal(
            ["transformation.parameters.period", "transformation.parameters.smoothing", "validation_rules[0].is_blocking", "validation_rules[1]"],
            changes.Keys.Order());
        Assert.Equal("changed", (string?)changes["transformation.parameters.period"]["change"]);
        Assert.Equal(14, (int)changes["transformation.parameters.period"]["from"]!);
        Assert.Equal(21, (int)changes["transformation.parameters.period"]["to"]!);
        Assert.Equal("added", (string?)changes["transformation.parameters.smoothing"]["change"]);
        Assert.Equal("added", (string?)changes["validation_rules[1]"]["change"]);
        Assert.False((bool)diff["identical"]!);

        var same = (await (await _client.GetAsync($"{Versions("v_diff")}/1.1.0/diff/1.1.0")).ExpectAsync(200))!;
        Assert.True((bool)same["identical"]!);
        var back = (await (await _client.GetAsync($"{Versions("v_diff")}/1.1.0/diff/1.0.0")).ExpectAsync(200))!;
        Assert.Equal("removed", (string?)back["changes"]!.AsArray().Single(c => (string)c!["field"]! == "validation_rules[1]")!["change"]);

        await (await _client.GetAsync($"{Versions("v_diff")}/1.0.0/diff/7.0.0")).ExpectProblemAsync(404);
        await (await _client.GetAsync($"{Versions("v_diff")}/one/diff/1.0.0")).ExpectProblemAsync(400);
    }

    [Fact]
    public async Task A_bump_past_the_largest_version_number_is_422()
    {
        await _client.CreateAsync(FeatureApi.Minimal("v_max"));
        await (await Publish("v_max", Body("2147483647.2147483647.2147483647"))).ExpectAsync(201);
        foreach (var kind in new[] { "major", "minor", "patch" })
            await (await Publish("v_max", $$"""{"bump": "{{kind}}", "created_by": "x"}""")).ExpectProblemAsync(422);
        await (await _client.PostAsync($"{FeatureApi.Url}/v_max/rollback?target_version=1.0.0", null)).ExpectProblemAsync(422);
    }
}
