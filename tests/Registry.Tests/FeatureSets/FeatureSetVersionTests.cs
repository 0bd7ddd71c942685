using Npgsql;
using Registry.Tests.Infrastructure;
using static Registry.Tests.FeatureSets.FeatureSetApi;

namespace Registry.Tests.FeatureSets;

public sealed class FeatureSetVersionTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<List<string>> ListedVersions(string set)
    {
        var list = await _client.GetJsonAsync(VersionsUrl(set));
        Assert.Equal(list["versions"]!.AsArray().Count, (int)list["total"]!);
        return list["versions"]!.AsArray().Select(v => (string)v!["version"]!).ToList();
    }

    [Fact]
    public async Task A_new_version_changes_the_members_and_the_old_version_stays_as_published()
    {
        await _client.CreateFeaturesAsync("im_close", "im_rsi", "im_macd");
        await _client.CreateSetAsync("im_tech", "im_close", "im_rsi");
        var before = await _client.GetJsonAsync($"{VersionsUrl("im_tech")}/1.0.0");
        await _client.PublishFeatureVersionAsync("im_rsi", "1.1.0");

        var body = NewVersion("2.0.0", "im_close", "im_rsi", "im_macd");
        body["changelog"] = "MACD added; RSI 1.1.0.";
        var response = await _client.PublishSetVersionAsync("im_tech", body);
        var published = (await response.ExpectAsync(201))!;

        Assert.Equal("/api/v1/feature-sets/im_tech/versions/2.0.0", response.Headers.Location?.AbsolutePath);
        Assert.Equal("2.0.0", (string?)published["version"]);
        Assert.True((bool)published["is_current"]!);
        Assert.Equal(["im_close@1.0.0", "im_rsi@1.1.0", "im_macd@1.0.0"], Pinned(published["members"]));

        var set = await _client.GetJsonAsync($"{Url}/im_tech");
        Assert.Equal("2.0.0", (string?)set["current_version"]);
        Assert.Equal(["im_close@1.0.0", "im_rsi@1.1.0", "im_macd@1.0.0"], Pinned(set["members"]));

        var after = await _client.GetJsonAsync($"{VersionsUrl("im_tech")}/1.0.0");
        Assert.Equal(["im_close@1.0.0", "im_rsi@1.0.0"], Pinned(after["members"]));
        Assert.False((bool)after["is_current"]!);
        after["is_current"] = true;
        Assert.Equal(before.ToJsonString(), after.ToJsonString()); // nothing else about 1.0.0 changed

        Assert.Equal(["2.0.0", "1.0.0"], await ListedVersions("im_tech"));
    }

    [Fact]
    public async Task Versions_are_listed_newest_first_by_semver_precedence_and_bump_counts_from_the_highest()
    {
        await _client.CreateFeaturesAsync("or_feature");
        await _client.CreateSetAsync("or_set", "or_feature");
        foreach (var v in new[] { "1.0.1", "1.1.0-rc.2", "1.1.0-rc.10", "1.1.0", "1.2.0", "1.10.0" })
            await (await _client.PublishSetVersionAsync("or_set", NewVersion(v, "or_feature"))).ExpectAsync(201);

        var bump = NewVersion(null, "or_feature");
        bump["bump"] = "minor";
        Assert.Equal("1.11.0", (string?)(await (await _client.PublishSetVersionAsync("or_set", bump)).ExpectAsync(201))!["version"]);
        bump["bump"] = "major";
        Assert.Equal("2.0.0", (string?)(await (await _client.PublishSetVersionAsync("or_set", bump)).ExpectAsync(201))!["version"]);

        Assert.Equal(["2.0.0", "1.11.0", "1.10.0", "1.2.0", "1.1.0", "1.1.0-rc.10", "1.1.0-rc.2", "1.0.1", "1.0.0"], await ListedVersions("or_set"));
        var list = await _client.GetJsonAsync(VersionsUrl("or_set"));
        Assert.Equal("2.0.0", (string?)list["current_version"]);
        Assert.Equal([true, false], list["versions"]!.AsArray().Take(2).Select(v => (bool)v!["is_current"]!));
    }

    [Theory]
    [InlineData("1.0.0", 409)]          // exists
    [InlineData("1.0.0+build.7", 409)]  // same precedence as 1.0.0
    [InlineData("0.9.0", 422)]          // lower
    [InlineData("1.0.0-rc.1", 422)]     // a pre-release of 1.0.0 is lower than 1.0.0
    [InlineData("1.0.1-rc.1", 201)]
    public async Task A_version_must_be_strictly_greater_than_every_existing_one(string version, int status)
    {
        var set = $"gt_{Guid.NewGuid():N}"[..20];
        await _client.CreateFeaturesAsync($"{set}_f");
        await _client.CreateSetAsync(set, $"{set}_f");

        var response = await _client.PublishSetVersionAsync(set, NewVersion(version, $"{set}_f"));
        if (status == 201)
        {
            await response.ExpectAsync(201);
            return;
        }
        var problem = await response.ExpectProblemAsync(status);
        if (status == 422) Assert.Equal("1.0.0", (string?)problem["highest_version"]);
        Assert.Contains(status == 409 ? "immutable" : "not greater", (string?)problem["detail"]);
        Assert.Equal(["1.0.0"], await ListedVersions(set));
    }

    [Theory]
    [InlineData("""{"version": "1.1.0", "bump": "minor", "members": [{"feature_name": "vb_feature"}], "created_by": "x"}""", "version")]
    [InlineData("""{"members": [{"feature_name": "vb_feature"}], "created_by": "x"}""", "version")]
    [InlineData("""{"version": "v1.1", "members": [{"feature_name": "vb_feature"}], "created_by": "x"}""", "version")]
    [InlineData("""{"bump": "huge", "members": [{"feature_name": "vb_feature"}], "created_by": "x"}""", "bump")]
    [InlineData("""{"version": "1.1.0", "members": [{"feature_name": "vb_feature"}], "created_by": ""}""", "created_by")]
    [InlineData("""{"version": "1.1.0", "created_by": "x"}""", "members")]
    [InlineData("""{"version": "1.1.0", "members": [{"feature_name": "vb_feature"}], "created_by": "x", "membres": []}""", "membres")]
    public async Task A_malformed_version_request_is_a_400_naming_the_field(string body, string field)
    {
        await _client.CreateAsync(FeatureApi.Minimal("vb_feature"), allowExisting: true);
        if ((int)(await _client.GetAsync($"{Url}/vb_set")).StatusCode == 404) await _client.CreateSetAsync("vb_set", "vb_feature");

        var problem = await (await _client.PostJsonAsync(VersionsUrl("vb_set"), body)).ExpectProblemAsync(400);
        Assert.True(problem["errors"]![field] is not null, problem.ToJsonString());
    }

    [Fact]
    public async Task Publishing_to_an_unknown_set_is_a_404()
    {
        await _client.CreateFeaturesAsync("un_feature");
        var problem = await (await _client.PublishSetVersionAsync("un_nothing", NewVersion("1.1.0", "un_feature"))).ExpectProblemAsync(404);
        Assert.Contains("'un_nothing'", (string?)problem["detail"]);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task No_route_changes_a_published_version(string method)
    {
        await _client.CreateAsync(FeatureApi.Minimal("nr_feature"), allowExisting: true);
        if ((int)(await _client.GetAsync($"{Url}/nr_set")).StatusCode == 404) await _client.CreateSetAsync("nr_set", "nr_feature");
        var before = await _client.GetJsonAsync($"{VersionsUrl("nr_set")}/1.0.0");

        foreach (var url in new[] { $"{VersionsUrl("nr_set")}/1.0.0", $"{Url}/nr_set", VersionsUrl("nr_set") })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), url)
            {
                Content = HttpJson.Json("""{"members": [{"feature_name": "nr_feature", "feature_version": "9.9.9"}]}"""),
            };
            var response = await _client.SendAsync(request);
            Assert.True((int)response.StatusCode is 404 or 405, $"{method} {url}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(before.ToJsonString(), (await _client.GetJsonAsync($"{VersionsUrl("nr_set")}/1.0.0")).ToJsonString());
    }

    [Trait("Store", TestStore.PostgreSqlOnly)] // reads PostgreSQL itself
    [Fact]
    public async Task The_database_refuses_to_update_a_published_version_whoever_asks()
    {
        await _client.CreateFeaturesAsync("db_a", "db_b");
        await _client.CreateSetAsync("db_set", "db_a", "db_b");
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();

        foreach (var sql in new[]
                 {
                     "UPDATE feature_set_members SET position = 3 WHERE feature_set_name = 'db_set' AND feature_name = 'db_a'",
                     "UPDATE feature_set_versions SET changelog = 'rewritten' WHERE feature_set_name = 'db_set'",
                 })
        {
            await using var cmd = new NpgsqlCommand(sql, connection);
            var error = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
            Assert.Contains("immutable", error.MessageText);
        }
        Assert.Equal(["db_a@1.0.0", "db_b@1.0.0"], Pinned((await _client.GetJsonAsync($"{VersionsUrl("db_set")}/1.0.0"))["members"]));
    }

    [Fact]
    public async Task Concurrent_bumps_each_get_their_own_version_and_concurrent_equal_versions_only_one()
    {
        await _client.CreateFeaturesAsync("cc_feature");
        await _client.CreateSetAsync("cc_set", "cc_feature");
        var bump = NewVersion(null, "cc_feature");
        bump["bump"] = "patch";

        var bumps = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _client.PublishSetVersionAsync("cc_set", bump)));
        Assert.All(bumps, r => Assert.Equal(201, (int)r.StatusCode));
        Assert.Equal(["1.0.6", "1.0.5", "1.0.4", "1.0.3", "1.0.2", "1.0.1", "1.0.0"], await ListedVersions("cc_set"));

        var same = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _client.PublishSetVersionAsync("cc_set", NewVersion("2.0.0", "cc_feature"))));
        Assert.Equal(1, same.Count(r => (int)r.StatusCode == 201));
        Assert.All(same.Where(r => (int)r.StatusCode != 201), r => Assert.True((int)r.StatusCode is 409 or 422, $"got {(int)r.StatusCode}"));
        Assert.Equal("2.0.0", (string?)(await _client.GetJsonAsync($"{Url}/cc_set"))["current_version"]);
    }
}
