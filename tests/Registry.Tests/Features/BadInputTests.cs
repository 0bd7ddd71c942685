using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Features;

/// <summary>Every kind of bad input is a 400 problem whose errors map names the snake_case field.</summary>
public sealed class BadInputTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    public static TheoryData<string, string, string> BadCreates() => new()
    {
        // case, body, field expected in errors
        { "malformed JSON", """{"feature_name": "abc", """, "body" },
        { "empty body", "", "body" },
        { "JSON array instead of object", "[]", "body" },
        { "number for a string", """{"feature_name": 42, "feature_type": "raw", "data_type": "float", "owner": "o"}""", "feature_name" },
        { "unknown enum value", """{"feature_name": "abc", "feature_type": "crystal_ball", "data_type": "float", "owner": "o"}""", "feature_type" },
        { "enum as integer", """{"feature_name": "abc", "feature_type": 1, "data_type": "float", "owner": "o"}""", "feature_type" },
        { "unknown property", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "colour": "red"}""", "colour" },
        { "missing feature_name", """{"feature_type": "raw", "data_type": "float", "owner": "o"}""", "feature_name" },
        { "missing owner", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float"}""", "owner" },
        { "uppercase name", """{"feature_name": "Stock_RSI", "feature_type": "raw", "data_type": "float", "owner": "o"}""", "feature_name" },
        { "name too short", """{"feature_name": "ab", "feature_type": "raw", "data_type": "float", "owner": "o"}""", "feature_name" },
        { "name too long", $$"""{"feature_name": "{{new string('a', 101)}}", "feature_type": "raw", "data_type": "float", "owner": "o"}""", "feature_name" },
        { "SQL in duckdb_table", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "duckdb_table": "features.x; DROP TABLE y"}""", "duckdb_table" },
        { "unqualified duckdb_view", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "duckdb_view": "just_a_name"}""", "duckdb_view" },
        { "quoted entity", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "entity": "\"id\""}""", "entity" },
        { "tag with space", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "tags": ["a b"]}""", "tags[0]" },
        { "bad upstream name", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "upstream_features": ["Bad Name"]}""", "upstream_features[0]" },
        { "transformation without code", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "transformation": {"transformation_type": "sql"}}""", "transformation.code" },
        { "bad transformation type", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "transformation": {"transformation_type": "cobol", "code": "x"}}""", "transformation.transformation_type" },
        { "range min above max", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "validation_rules": [{"rule_type": "range", "parameters": {"min": 5, "max": 1}}]}""", "validation_rules[0].parameters" },
        { "range with a string bound", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "validation_rules": [{"rule_type": "range", "parameters": {"min": "zero"}}]}""", "validation_rules[0].parameters" },
        { "range without bounds", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "validation_rules": [{"rule_type": "range", "parameters": {}}]}""", "validation_rules[0].parameters" },
        { "range on a string feature", """{"feature_name": "abc", "feature_type": "raw", "data_type": "string", "owner": "o", "validation_rules": [{"rule_type": "range", "parameters": {"min": 0}}]}""", "validation_rules[0].parameters" },
        { "outlier with negative z", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "validation_rules": [{"rule_type": "outlier", "parameters": {"z_score_threshold": -3}}]}""", "validation_rules[0].parameters" },
        { "misspelt rule parameter", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "validation_rules": [{"rule_type": "outlier", "parameters": {"zscore": 3}}]}""", "validation_rules[0].parameters" },
        { "null ratio above 1", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "validation_rules": [{"rule_type": "null_check", "parameters": {"max_null_ratio": 2}}]}""", "validation_rules[0].parameters" },
        { "empty allowed values", """{"feature_name": "abc", "feature_type": "raw", "data_type": "string", "owner": "o", "validation_rules": [{"rule_type": "allowed_values", "parameters": {"values": []}}]}""", "validation_rules[0].parameters" },
        { "invalid regex", """{"feature_name": "abc", "feature_type": "raw", "data_type": "string", "owner": "o", "validation_rules": [{"rule_type": "regex", "parameters": {"pattern": "(unclosed"}}]}""", "validation_rules[0].parameters" },
        { "NUL in owner", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o\u0000x"}""", "owner" },
        { "NUL in description", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "description": "a\u0000"}""", "description" },
        { "NUL in a tag", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "tags": ["a\u0000b"]}""", "tags[0]" },
        { "NUL in code", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "transformation": {"transformation_type": "sql", "code": "x\u0000"}}""", "transformation.code" },
        { "NUL in a parameter value", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "transformation": {"transformation_type": "sql", "code": "x", "parameters": {"p": ["\u0000"]}}}""", "transformation.parameters.p" },
        { "NUL in a parameter name", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "transformation": {"transformation_type": "sql", "code": "x", "parameters": {"p\u0000": 1}}}""", "transformation.parameters" },
        { "duplicate property", """{"feature_name": "abc", "feature_name": "abd", "feature_type": "raw", "data_type": "float", "owner": "o"}""", "feature_name" },
        { "unknown rule type", """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "validation_rules": [{"rule_type": "vibes"}]}""", "validation_rules[0].rule_type" },
    };

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task Bad_create_input_is_400_naming_the_field(string @case, string body, string field)
    {
        var response = await _client.PostJsonAsync(FeatureApi.Url, body);

        var problem = await response.ExpectProblemAsync(400);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"{@case}: expected an error for '{field}', got {errors.ToJsonString()}");
        var text = problem.ToJsonString();
        Assert.DoesNotContain("Registry.", text, StringComparison.Ordinal); // no .NET type names leak
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BindingErrors() => new()
    {
        // body, field, what the message says (read from System.Text.Json's exception and the contract, ADR 0039)
        { """{"feature_name": "abc", "owner": }""", "owner", "Malformed JSON at line 1, byte 34" },
        { "{\n  \"feature_name\": \"abc\",\n  \"owner\" \"o\"\n}", "*", "Malformed JSON at line 3" },
        { """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "colour": "red"}""", "colour", "Unknown property 'colour'." },
        { """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "transformation": {"transformation_type": "sql", "code": "x", "lang": "y"}}""", "transformation.lang", "Unknown property 'lang'." },
        { """{"feature_name": "abc", "feature_name": "abd", "feature_type": "raw", "data_type": "float", "owner": "o"}""", "feature_name", "Property 'feature_name' is given more than once" },
        { """{"feature_name": 42, "feature_type": "raw", "data_type": "float", "owner": "o"}""", "feature_name", "Expected a string." },
        { """{"feature_name": "abc", "feature_type": 1, "data_type": "float", "owner": "o"}""", "feature_type", "Expected one of: technical_indicator, fundamental" },
        { """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "tags": "a"}""", "tags", "Expected an array." },
        { """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "transformation": 5}""", "transformation", "Expected an object." },
        { """{"feature_name": "abc", "feature_type": "raw", "data_type": "float", "owner": "o", "validation_rules": [{"rule_type": "range", "is_blocking": "yes"}]}""", "validation_rules[0].is_blocking", "Expected true or false." },
        { "[]", "body", "Expected an object." },
        { "", "body", "A JSON request body is required." },
    };

    [Theory]
    [MemberData(nameof(BindingErrors))]
    public async Task Binding_errors_say_what_was_expected_at_the_field(string body, string field, string says)
    {
        var problem = await (await _client.PostJsonAsync(FeatureApi.Url, body)).ExpectProblemAsync(400);
        var errors = problem["errors"]!.AsObject();
        Assert.True(field == "*" || errors.ContainsKey(field), $"expected an error for '{field}', got {errors.ToJsonString()}");
        var messages = errors.Where(e => field == "*" || e.Key == field).SelectMany(e => e.Value!.AsArray()).Select(m => (string)m!);
        Assert.Contains(messages, m => m.Contains(says, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_query_value_that_does_not_convert_says_what_its_type_looks_like()
    {
        var problem = await (await _client.GetAsync($"{FeatureApi.Url}/bi_asof?as_of=yesterday")).ExpectProblemAsync(400);
        Assert.Contains("ISO 8601", (string)problem["errors"]!["as_of"]![0]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_field_errors_come_back_together()
    {
        var body = """{"feature_name": "X", "feature_type": "raw", "data_type": "float", "owner": "o", "duckdb_table": "bad", "tags": ["a b"]}""";
        var problem = await (await _client.PostJsonAsync(FeatureApi.Url, body)).ExpectProblemAsync(400);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("feature_name") && errors.ContainsKey("duckdb_table") && errors.ContainsKey("tags[0]"), errors.ToJsonString());
    }

    [Fact]
    public async Task Messages_name_the_json_field_never_a_display_name()
    {
        var body = FeatureApi.Minimal("abc");
        body["owner"] = "";
        body["description"] = new string('d', 4001);
        body["validation_rules"] = new JsonArray(new JsonObject { ["rule_type"] = "range", ["parameters"] = new JsonObject() });
        var problem = await (await _client.PostJsonAsync(FeatureApi.Url, body.ToJsonString())).ExpectProblemAsync(400);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal("'owner' must not be empty.", (string?)errors["owner"]![0]);
        Assert.StartsWith("The length of 'description' must be 4000 characters or fewer.", (string?)errors["description"]![0]);
        Assert.NotNull(errors["validation_rules[0].parameters"]);
        Assert.DoesNotContain("Owner", errors.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nested_fields_are_named_by_their_json_path()
    {
        var body = """{"feature_set_name": "set_paths", "owner": "o", "members": [{"feature_name": "abc"}, {"feature_name": "Bad Name"}]}""";
        var problem = await (await _client.PostJsonAsync("/api/v1/feature-sets", body)).ExpectProblemAsync(400);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("members[1].feature_name"), errors.ToJsonString());
        Assert.Single(errors);
    }

    [Fact]
    public async Task A_blank_field_is_named_as_sent_never_by_a_display_name()
    {
        var body = """{"version": "1.1.0", "members": [{"feature_name": "abc"}], "created_by": ""}""";
        var problem = await (await _client.PostJsonAsync("/api/v1/feature-sets/no_such_set/versions", body)).ExpectProblemAsync(400);
        Assert.Equal("'created_by' must not be empty.", (string?)problem["errors"]!["created_by"]![0]);
    }

    [Fact]
    public async Task An_optional_body_is_validated_when_sent()
    {
        var body = new JsonObject { ["reason"] = new string('r', 2001) };
        var problem = await (await _client.PostJsonAsync($"{FeatureApi.Url}/abc/rollback?target_version=1.0.0", body.ToJsonString())).ExpectProblemAsync(400);
        Assert.StartsWith("The length of 'reason' must be 2000 characters or fewer.", (string?)problem["errors"]!["reason"]![0]);
    }

    [Fact]
    public async Task Enum_errors_list_the_allowed_values()
    {
        var body = """{"feature_name": "abc", "feature_type": "crystal_ball", "data_type": "float", "owner": "o"}""";
        var problem = await (await _client.PostJsonAsync(FeatureApi.Url, body)).ExpectProblemAsync(400);
        Assert.Contains("technical_indicator", (string?)problem["errors"]!["feature_type"]![0]);
    }

    [Fact]
    public async Task A_wrong_content_type_is_415_naming_the_accepted_media_types()
    {
        var response = await _client.PostAsync(FeatureApi.Url, new StringContent("feature_name=abc", System.Text.Encoding.UTF8, "text/plain"));
        var problem = await response.ExpectProblemAsync(415);
        Assert.Contains("application/json", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Contains("text/plain", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Equal(["application/json"], problem["accepted_media_types"]!.AsArray().Select(t => (string)t!));
    }

    [Fact]
    public async Task Nothing_is_written_for_rejected_input()
    {
        var body = FeatureApi.Minimal("rejected_feature");
        body["validation_rules"] = new JsonArray(new JsonObject { ["rule_type"] = "range", ["parameters"] = new JsonObject { ["min"] = 3, ["max"] = 1 } });
        await (await _client.PostJsonAsync(FeatureApi.Url, body.ToJsonString())).ExpectProblemAsync(400);
        await (await _client.GetAsync($"{FeatureApi.Url}/rejected_feature")).ExpectProblemAsync(404);
    }
}
