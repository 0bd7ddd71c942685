using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Usage;

public sealed class UsageBatchTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Task<HttpResponseMessage> PostBatch(string json) => _client.PostJsonAsync(UsageApi.BatchUrl, json);

    private async Task<long> UsageCount(string name) => (long)(await _client.FeatureAsync(name))["usage_count"]!;

    [Fact]
    public async Task A_batch_stores_every_record_in_order_and_counts_each_feature()
    {
        await _client.CreateAsync(FeatureApi.Minimal("b_close"));
        await _client.CreateAsync(FeatureApi.Minimal("b_volume"));

        var body = UsageApi.Batch(
            UsageApi.Record("b_close", at: "2025-03-01T04:00:00Z"),
            UsageApi.Record("b_volume", at: "2025-03-01T04:00:01Z"),
            UsageApi.Record("b_close", at: "2025-03-01T04:00:02Z"));
        var answer = (await (await PostBatch(body)).ExpectAsync(201))!;

        Assert.Equal(3, (int)answer["recorded"]!);
        var records = answer["records"]!.AsArray();
        Assert.Equal(["b_close", "b_volume", "b_close"], records.Select(r => (string)r!["feature_name"]!));
        var ids = records.Select(r => (long)r!["id"]!).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(3, ids.Distinct().Count());

        var close = await _client.FeatureAsync("b_close");
        Assert.Equal(2, (long)close["usage_count"]!);
        Assert.Equal("2025-03-01T04:00:02Z", (string?)close["last_used_at"]);
        Assert.Equal(1, await UsageCount("b_volume"));
    }

    [Fact]
    public async Task One_unknown_feature_rejects_the_whole_batch_naming_every_unknown_one()
    {
        await _client.CreateAsync(FeatureApi.Minimal("b_known"));

        var problem = await (await PostBatch(UsageApi.Batch(
            UsageApi.Record("b_known"), UsageApi.Record("b_ghost_two"), UsageApi.Record("b_ghost_one"), UsageApi.Record("b_ghost_two"))))
            .ExpectProblemAsync(404);

        Assert.Equal(["b_ghost_one", "b_ghost_two"], problem["unknown_features"]!.AsArray().Select(n => (string)n!));
        Assert.Contains("b_ghost_one", (string?)problem["detail"]);
        Assert.Equal(0, await UsageCount("b_known"));
        Assert.Equal(0, (long)(await _client.UsageAsync("b_known"))["total"]!);
    }

    [Fact]
    public async Task Unpublished_versions_reject_the_whole_batch_as_422_naming_them_all()
    {
        await _client.CreateAsync(FeatureApi.Minimal("b_ver_a"));
        await _client.CreateAsync(FeatureApi.Minimal("b_ver_b"));

        var problem = await (await PostBatch(UsageApi.Batch(
            UsageApi.Record("b_ver_a"), UsageApi.Record("b_ver_a", version: "2.0.0"), UsageApi.Record("b_ver_b", version: "1.0.1"))))
            .ExpectProblemAsync(422);

        Assert.Equal(["b_ver_a@2.0.0", "b_ver_b@1.0.1"], problem["unknown_versions"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(0, await UsageCount("b_ver_a"));
    }

    [Fact]
    public async Task Field_errors_name_the_record()
    {
        await _client.CreateAsync(FeatureApi.Minimal("b_fields"));
        var bad = UsageApi.Record("b_fields", correlation: 3);
        var negative = UsageApi.Record("b_fields");
        negative["execution_duration_ms"] = -5;

        var problem = await (await PostBatch(UsageApi.Batch(UsageApi.Record("b_fields"), bad, negative))).ExpectProblemAsync(400);

        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("records[1].correlation_with_target"), errors.ToJsonString());
        Assert.True(errors.ContainsKey("records[2].execution_duration_ms"), errors.ToJsonString());
        Assert.Equal(0, await UsageCount("b_fields"));
    }

    [Theory]
    [InlineData("""{"records": []}""", "records")]
    [InlineData("""{}""", "records")]
    [InlineData("""{"records": [null]}""", "records[0]")]
    [InlineData("""{"records": [{"feature_name": "b_x", "feature_version": "1.0.0", "model_version": "1", "environment": "dev", "execution_id": "e", "execution_duration_ms": 1}]}""", "records[0].used_by_model")]
    [InlineData("""{"records": [{"feature_name": "b_x", "feature_version": "1.0.0", "used_by_model": "m", "model_version": "1", "environment": "qa", "execution_id": "e", "execution_duration_ms": 1}]}""", "records[0].environment")]
    [InlineData("""{"records": {"feature_name": "b_x"}}""", "records")]
    public async Task Malformed_batches_are_400(string body, string field)
    {
        var problem = await (await PostBatch(body)).ExpectProblemAsync(400);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem["errors"]!.ToJsonString());
    }

    [Fact]
    public async Task A_batch_holds_at_most_1000_records()
    {
        await _client.CreateAsync(FeatureApi.Minimal("b_big"));
        var record = UsageApi.Record("b_big");

        var tooMany = await (await PostBatch(UsageApi.Batch(Enumerable.Range(0, 1001).Select(_ => (JsonObject)record.DeepClone()).ToArray())))
            .ExpectProblemAsync(400);
        Assert.NotNull(tooMany["errors"]!["records"]);

        var full = (await (await PostBatch(UsageApi.Batch(Enumerable.Range(0, 1000).Select(_ => (JsonObject)record.DeepClone()).ToArray())))
            .ExpectAsync(201))!;
        Assert.Equal(1000, (int)full["recorded"]!);
        Assert.Equal(1000, await UsageCount("b_big"));
    }

    [Fact]
    public async Task Concurrent_batches_over_the_same_features_neither_deadlock_nor_lose_increments()
    {
        string[] names = ["b_par_a", "b_par_b", "b_par_c", "b_par_d"];
        foreach (var name in names) await _client.CreateAsync(FeatureApi.Minimal(name));

        // Each batch lists the features in a different order: row locks taken in that order would deadlock.
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            PostBatch(UsageApi.Batch(names.Select((_, k) => UsageApi.Record(names[(i + k) % names.Length])).Reverse().ToArray()))));

        Assert.All(responses, r => Assert.Equal(201, (int)r.StatusCode));
        foreach (var name in names) Assert.Equal(12, await UsageCount(name));
    }
}
