using System.Globalization;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Versions;

public sealed class RollbackAndAsOfTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Url(string name) => $"{FeatureApi.Url}/{name}";

    private Task<HttpResponseMessage> Publish(string name, string version, string code) => _client.PostJsonAsync($"{Url(name)}/versions", $$"""
        {"version": "{{version}}", "created_by": "quant-team", "transformation": {"transformation_type": "sql", "code": "{{code}}"} }
        """);

    private Task<HttpResponseMessage> Rollback(string name, string target, string? body = null) =>
        _client.PostAsync($"{Url(name)}/rollback?target_version={target}", body is null ? null : HttpJson.Json(body));

    private async Task<string> CurrentCode(string name) =>
        (string)(await (await _client.GetAsync(Url(name))).ExpectAsync(200))!["transformation"]!["code"]!;

    [Fact]
    public async Task A_rollback_restores_the_target_as_a_new_patch_version_and_keeps_all_history()
    {
        await _client.CreateAsync(FeatureApi.Minimal("rb_chain"));
        await (await Publish("rb_chain", "1.1.0", "select good")).ExpectAsync(201);
        await (await Publish("rb_chain", "1.2.0", "select broken")).ExpectAsync(201);

        var rollback = (await (await Rollback("rb_chain", "1.1.0", """{"created_by": "on-call", "reason": "1.2.0 emits NaN."}""")).ExpectAsync(201))!;

        var version = rollback["version"]!;
        Assert.Equal("1.2.1", (string?)version["version"]);
        Assert.Equal("1.1.0", (string?)version["restored_from"]);
        Assert.Contains("restores version 1.1.0", (string?)version["changelog"]);
        Assert.Contains("1.2.0 emits NaN.", (string?)version["changelog"]);
        Assert.Equal("on-call", (string?)version["created_by"]);
        Assert.Equal("select good", (string?)version["transformation_snapshot"]!["code"]);
        Assert.Equal("1.2.1", (string?)rollback["feature"]!["current_version"]);
        Assert.Equal("select good", await CurrentCode("rb_chain"));

        var rolledBack = (await (await _client.GetAsync($"{Url("rb_chain")}/versions/1.2.0")).ExpectAsync(200))!;
        Assert.True((bool)rolledBack["is_rolled_back"]!);
        Assert.Equal((string?)version["created_at"], (string?)rolledBack["rolled_back_at"]);
        Assert.Equal("select broken", (string?)rolledBack["transformation_snapshot"]!["code"]); // history is not rewritten

        var list = (await (await _client.GetAsync($"{Url("rb_chain")}/versions")).ExpectAsync(200))!;
        Assert.Equal(["1.2.1", "1.2.0", "1.1.0", "1.0.0"], list["versions"]!.AsArray().Select(v => (string)v!["version"]!));
    }

    [Fact]
    public async Task A_rollback_of_a_rollback_works()
    {
        await _client.CreateAsync(FeatureApi.Minimal("rb_twice"));
        await (await Publish("rb_twice", "1.1.0", "select v11")).ExpectAsync(201);
        await (await Rollback("rb_twice", "1.0.0")).ExpectAsync(201);                // 1.1.1 = 1.0.0's logic
        Assert.Null((await (await _client.GetAsync(Url("rb_twice"))).ExpectAsync(200))!["transformation"]);

        var again = (await (await Rollback("rb_twice", "1.1.0")).ExpectAsync(201))!; // undo the rollback: 1.1.2
        Assert.Equal("1.1.2", (string?)again["version"]!["version"]);
        Assert.Equal("select v11", await CurrentCode("rb_twice"));
        var first = (await (await _client.GetAsync($"{Url("rb_twice")}/versions/1.1.1")).ExpectAsync(200))!;
        Assert.True((bool)first["is_rolled_back"]!);

        // Rolling back to the rollback version itself is also just a version.
        var third = (await (await Rollback("rb_twice", "1.1.1")).ExpectAsync(201))!;
        Assert.Equal("1.1.3", (string?)third["version"]!["version"]);
        Assert.Equal("1.1.1", (string?)third["version"]!["restored_from"]);
    }

    [Fact]
    public async Task Rollback_errors()
    {
        await _client.CreateAsync(FeatureApi.Minimal("rb_errors"));
        await (await Publish("rb_errors", "1.1.0", "select 2")).ExpectAsync(201);

        await (await Rollback("rb_errors", "0.1.0")).ExpectProblemAsync(404);
        await (await Rollback("rb_errors", "1.1.0")).ExpectProblemAsync(422);     // already current
        Assert.NotNull((await (await Rollback("rb_errors", "one")).ExpectProblemAsync(400))["errors"]!["target_version"]);
        Assert.NotNull((await (await _client.PostAsync($"{Url("rb_errors")}/rollback", null)).ExpectProblemAsync(400))["errors"]!["target_version"]);
        await (await Rollback("rb_nobody", "1.0.0")).ExpectProblemAsync(404);

        await (await _client.DeleteAsync(Url("rb_errors"))).ExpectAsync(204);
        await (await Rollback("rb_errors", "1.0.0")).ExpectProblemAsync(409);     // archived
    }

    [Fact]
    public async Task A_stale_if_match_refuses_the_rollback()
    {
        var created = await _client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("rb_etag").ToJsonString());
        await (await Publish("rb_etag", "1.1.0", "select 2")).ExpectAsync(201);
        var request = new HttpRequestMessage(HttpMethod.Post, $"{Url("rb_etag")}/rollback?target_version=1.0.0").WithIfMatch(created.ETag());
        await (await _client.SendAsync(request)).ExpectProblemAsync(412);
        Assert.Equal("select 2", await CurrentCode("rb_etag"));
    }

    private static string At(DateTimeOffset instant) =>
        Uri.EscapeDataString(instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));

    private async Task<HttpResponseMessage> AsOf(string name, DateTimeOffset instant) => await _client.GetAsync($"{Url(name)}?as_of={At(instant)}");

    [Fact]
    public async Task As_of_answers_with_the_definition_live_at_that_instant_exact_boundaries_included()
    {
        var created = await _client.CreateAsync(FeatureApi.Minimal("asof_feature"));
        var createdAt = (DateTimeOffset)created["created_at"]!;
        var v11 = (await (await Publish("asof_feature", "1.1.0", "select 11")).ExpectAsync(201))!;
        var v11At = (DateTimeOffset)v11["version"]!["created_at"]!;
        await _client.ActivateAsync("asof_feature");
        var activatedAt = (DateTimeOffset)(await (await _client.GetAsync(Url("asof_feature"))).ExpectAsync(200))!["updated_at"]!;
        var rollback = (await (await Rollback("asof_feature", "1.0.0")).ExpectAsync(201))!;
        var rollbackAt = (DateTimeOffset)rollback["version"]!["created_at"]!;
        var tick = TimeSpan.FromTicks(10); // one microsecond, PostgreSQL's resolution

        await (await AsOf("asof_feature", createdAt - tick)).ExpectProblemAsync(404);

        var atCreation = (await (await AsOf("asof_feature", createdAt)).ExpectAsync(200))!;
        Assert.Equal("1.0.0", (string?)atCreation["current_version"]);
        Assert.Equal("draft", (string?)atCreation["status"]);

        var justBefore11 = (await (await AsOf("asof_feature", v11At - tick)).ExpectAsync(200))!;
        Assert.Equal("1.0.0", (string?)justBefore11["current_version"]);
        Assert.Null(justBefore11["transformation"]);

        var at11 = (await (await AsOf("asof_feature", v11At)).ExpectAsync(200))!;
        Assert.Equal("1.1.0", (string?)at11["current_version"]);
        Assert.Equal("select 11", (string?)at11["transformation"]!["code"]);
        Assert.Equal("draft", (string?)at11["status"]);

        var atActivation = (await (await AsOf("asof_feature", activatedAt)).ExpectAsync(200))!;
        Assert.Equal("active", (string?)atActivation["status"]);
        Assert.Equal("1.1.0", (string?)atActivation["current_version"]);

        var afterRollback = (await (await AsOf("asof_feature", rollbackAt)).ExpectAsync(200))!;
        Assert.Equal("1.1.1", (string?)afterRollback["current_version"]);
        Assert.Null(afterRollback["transformation"]);

        var future = (await (await AsOf("asof_feature", DateTimeOffset.UtcNow.AddYears(1))).ExpectAsync(200))!;
        Assert.Equal("1.1.1", (string?)future["current_version"]);
    }

    [Fact]
    public async Task As_of_errors()
    {
        await (await _client.GetAsync($"{Url("asof_nobody")}?as_of=2025-01-01T00:00:00Z")).ExpectProblemAsync(404);
        await _client.CreateAsync(FeatureApi.Minimal("asof_err"));
        var bad = await (await _client.GetAsync($"{Url("asof_err")}?as_of=yesterday")).ExpectProblemAsync(400);
        Assert.NotNull(bad["errors"]!["as_of"]);
        var old = await (await _client.GetAsync($"{Url("asof_err")}?as_of=2025-01-01T00:00:00Z")).ExpectProblemAsync(404);
        Assert.Contains("did not exist yet", (string?)old["detail"]);
    }
}
