using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Usage;

public sealed class RecordUsageTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task A_record_is_stored_and_counted_on_the_feature_without_changing_its_revision()
    {
        var created = await _client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("u_one").ToJsonString());
        await created.ExpectAsync(201);

        var record = await _client.RecordAsync(UsageApi.Record("u_one", at: "2025-03-01T12:00:00.1234567+01:00"));

        Assert.True((long)record["id"]! > 0);
        Assert.Equal("u_one", (string?)record["feature_name"]);
        Assert.Equal("1.0.0", (string?)record["feature_version"]);
        Assert.Equal("momentum_classifier", (string?)record["used_by_model"]);
        Assert.Equal("2.3.0", (string?)record["model_version"]);
        Assert.Equal("production", (string?)record["environment"]);
        Assert.Equal(0.5, (double)record["feature_importance"]!);
        Assert.Equal(0.25, (double)record["correlation_with_target"]!);
        Assert.Equal("train-0001", (string?)record["execution_id"]);
        Assert.Equal(12.5, (double)record["execution_duration_ms"]!);
        // Kept to the microsecond, in UTC.
        Assert.Equal("2025-03-01T11:00:00.123456Z", (string?)record["usage_timestamp"]);
        Assert.NotNull(record["recorded_at"]);

        var response = await _client.GetAsync($"{FeatureApi.Url}/u_one");
        var feature = (await response.ExpectAsync(200))!;
        Assert.Equal(1, (long)feature["usage_count"]!);
        Assert.Equal("2025-03-01T11:00:00.123456Z", (string?)feature["last_used_at"]);
        // Usage is not a definition change: the ETag (revision) stays, so nobody's If-Match fails because of it.
        Assert.Equal(created.ETag(), response.ETag());

        var listed = await _client.UsageAsync("u_one");
        Assert.Equal(record.ToJsonString(), listed["usage"]![0]!.ToJsonString());
    }

    [Fact]
    public async Task Optional_fields_may_be_omitted_and_the_timestamp_defaults_to_now()
    {
        await _client.CreateAsync(FeatureApi.Minimal("u_defaults"));
        var body = UsageApi.Record("u_defaults");
        body.Remove("feature_importance");
        body.Remove("correlation_with_target");
        var before = DateTimeOffset.UtcNow;

        var record = await _client.RecordAsync(body);

        Assert.Null(record["feature_importance"]);
        Assert.Null(record["correlation_with_target"]);
        var at = DateTimeOffset.Parse((string)record["usage_timestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(at, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(0, at.UtcTicks % 10); // microseconds, as stored
        Assert.Equal((string?)record["usage_timestamp"], (string?)(await _client.FeatureAsync("u_defaults"))["last_used_at"]);
    }

    [Fact]
    public async Task Last_used_at_only_moves_forward()
    {
        await _client.CreateAsync(FeatureApi.Minimal("u_latest"));
        await _client.RecordAsync(UsageApi.Record("u_latest", at: "2025-03-02T00:00:00Z"));
        await _client.RecordAsync(UsageApi.Record("u_latest", at: "2025-01-01T00:00:00Z")); // a late report of an older run

        var feature = await _client.FeatureAsync("u_latest");
        Assert.Equal(2, (long)feature["usage_count"]!);
        Assert.Equal("2025-03-02T00:00:00Z", (string?)feature["last_used_at"]);
    }

    [Fact]
    public async Task The_version_is_matched_by_precedence_and_stored_as_published()
    {
        await _client.CreateAsync(FeatureApi.Minimal("u_build"));
        await (await _client.PostJsonAsync($"{FeatureApi.Url}/u_build/versions",
            """{"version": "1.1.0+sha.5114f85", "created_by": "x"}""")).ExpectAsync(201);

        var record = await _client.RecordAsync(UsageApi.Record("u_build", version: "1.1.0"));

        Assert.Equal("1.1.0+sha.5114f85", (string?)record["feature_version"]);
    }

    [Fact]
    public async Task An_unknown_feature_is_404_and_an_unpublished_version_is_422_both_writing_nothing()
    {
        var missing = await (await _client.PostJsonAsync(UsageApi.Url, UsageApi.Record("u_nobody").ToJsonString())).ExpectProblemAsync(404);
        Assert.Equal(["u_nobody"], missing["unknown_features"]!.AsArray().Select(n => (string)n!));

        await _client.CreateAsync(FeatureApi.Minimal("u_versions"));
        var unpublished = await (await _client.PostJsonAsync(UsageApi.Url, UsageApi.Record("u_versions", version: "1.2.0").ToJsonString()))
            .ExpectProblemAsync(422);
        Assert.Equal(["u_versions@1.2.0"], unpublished["unknown_versions"]!.AsArray().Select(n => (string)n!));

        Assert.Equal(0, (long)(await _client.FeatureAsync("u_versions"))["usage_count"]!);
        Assert.Equal(0, (long)(await _client.UsageAsync("u_versions"))["total"]!);
    }

    public static TheoryData<string, Action<JsonObject>, string> BadRecords() => new()
    {
        { "missing feature_name", b => b.Remove("feature_name"), "feature_name" },
        { "bad feature_name", b => b["feature_name"] = "Not A Name", "feature_name" },
        { "missing feature_version", b => b.Remove("feature_version"), "feature_version" },
        { "feature_version not SemVer", b => b["feature_version"] = "v1", "feature_version" },
        { "missing used_by_model", b => b.Remove("used_by_model"), "used_by_model" },
        { "empty used_by_model", b => b["used_by_model"] = "", "used_by_model" },
        { "missing model_version", b => b.Remove("model_version"), "model_version" },
        { "missing environment", b => b.Remove("environment"), "environment" },
        { "unknown environment", b => b["environment"] = "prod", "environment" },
        { "correlation above 1", b => b["correlation_with_target"] = 1.5, "correlation_with_target" },
        { "correlation below -1", b => b["correlation_with_target"] = -1.01, "correlation_with_target" },
        { "importance as text", b => b["feature_importance"] = "high", "feature_importance" },
        { "empty execution_id", b => b["execution_id"] = "", "execution_id" },
        { "NUL in used_by_model", b => b["used_by_model"] = "m\u0000", "used_by_model" },
        { "negative duration", b => b["execution_duration_ms"] = -1, "execution_duration_ms" },
        { "timestamp not ISO 8601", b => b["usage_timestamp"] = "yesterday", "usage_timestamp" },
        { "timestamp in the future", b => b["usage_timestamp"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O"), "usage_timestamp" },
        { "unknown property", b => b["colour"] = "red", "colour" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public async Task Bad_fields_are_400_naming_the_field(string @case, Action<JsonObject> spoil, string field)
    {
        await _client.CreateAsync(FeatureApi.Minimal("u_bad"), allowExisting: true);
        var body = UsageApi.Record("u_bad");
        spoil(body);

        var problem = await (await _client.PostJsonAsync(UsageApi.Url, body.ToJsonString())).ExpectProblemAsync(400);

        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"{@case}: expected an error for '{field}', got {errors.ToJsonString()}");
        Assert.Equal(0, (long)(await _client.FeatureAsync("u_bad"))["usage_count"]!);
    }

    [Fact]
    public async Task Boundary_values_are_accepted()
    {
        await _client.CreateAsync(FeatureApi.Minimal("u_bounds"));
        var body = UsageApi.Record("u_bounds", correlation: -1);
        body["execution_duration_ms"] = 0;
        await _client.RecordAsync(body);
        await _client.RecordAsync(UsageApi.Record("u_bounds", correlation: 1, environment: "dev"));
    }

    [Fact]
    public async Task Concurrent_records_lose_no_increment()
    {
        await _client.CreateAsync(FeatureApi.Minimal("u_race"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            _client.PostJsonAsync(UsageApi.Url, UsageApi.Record("u_race", model: $"model_{i % 7}").ToJsonString())));

        Assert.All(responses, r => Assert.Equal(201, (int)r.StatusCode));
        Assert.Equal(40, (long)(await _client.FeatureAsync("u_race"))["usage_count"]!);
        Assert.Equal(40, (long)(await _client.UsageAsync("u_race"))["total"]!);
        Assert.Equal(40, (long)(await _client.StatisticsAsync("u_race"))["total_usage"]!);
    }

    [Fact]
    public async Task Metadata_edits_racing_usage_records_lose_no_increment()
    {
        await _client.CreateAsync(FeatureApi.Minimal("u_edit_race"));

        // A definition write used to put back the usage_count it had read, erasing increments made meanwhile.
        var records = Enumerable.Range(0, 60).Select(i =>
            _client.PostJsonAsync(UsageApi.Url, UsageApi.Record("u_edit_race", model: $"model_{i % 5}").ToJsonString()));
        var edits = Enumerable.Range(0, 30).Select(i =>
            _client.PutJsonAsync($"{FeatureApi.Url}/u_edit_race", $$"""{"description": "edit {{i}}"}"""));
        var responses = await Task.WhenAll(records.Concat(edits));

        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, $"{(int)r.StatusCode}"));
        Assert.Equal(60, (long)(await _client.FeatureAsync("u_edit_race"))["usage_count"]!);
    }

    [Fact]
    public async Task Execution_id_and_duration_are_optional()
    {
        await _client.CreateAsync(FeatureApi.Minimal("u_minimal"));
        var body = UsageApi.Record("u_minimal");
        body.Remove("execution_id");
        body.Remove("execution_duration_ms");

        var record = await _client.RecordAsync(body);

        Assert.Null(record["execution_id"]);
        Assert.Null(record["execution_duration_ms"]);
    }
}
