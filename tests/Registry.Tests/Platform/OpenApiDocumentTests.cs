using System.Text.Json.Nodes;
using System.Globalization;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Platform;

/// <summary>
/// The document-wide conventions of OpenApiConventions.cs, checked on every operation so that a new endpoint
/// breaks here (in `dotnet test`) before the Redocly lint in .ci/run.
/// </summary>
public sealed class OpenApiDocumentTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<JsonNode> DocumentAsync() => (await (await _client.GetAsync("/swagger/v1/swagger.json")).ExpectAsync(200))!;

    private static IEnumerable<(string Name, JsonNode Operation)> Operations(JsonNode doc) =>
        from path in doc["paths"]!.AsObject()
        from operation in path.Value!.AsObject()
        select ($"{operation.Key.ToUpperInvariant()} {path.Key}", operation.Value!);

    [Fact]
    public async Task Every_error_response_is_a_described_problem_document_and_every_operation_declares_503()
    {
        var doc = await DocumentAsync();
        foreach (var (name, operation) in Operations(doc))
        {
            var responses = operation["responses"]!.AsObject();
            Assert.True(responses.ContainsKey("503"), $"{name} declares no 503");
            Assert.NotNull(responses["503"]!["headers"]!["Retry-After"]);
            foreach (var (status, response) in responses.Where(r => int.Parse(r.Key, CultureInfo.InvariantCulture) >= 400))
            {
                var content = response!["content"]!.AsObject();
                Assert.True(content.Select(c => c.Key).SequenceEqual(["application/problem+json"]), $"{name} {status}: {string.Join(", ", content.Select(c => c.Key))}");
                Assert.Equal(int.Parse(status, CultureInfo.InvariantCulture), (int)content["application/problem+json"]!["example"]!["status"]!);
                Assert.True(((string)response["description"]!).Length > 30, $"{name} {status} has only a reason phrase");
            }
        }
    }

    [Fact]
    public async Task Operations_that_can_answer_412_take_If_Match_and_definitions_come_with_an_ETag()
    {
        var doc = await DocumentAsync();
        foreach (var (name, operation) in Operations(doc).Where(o => o.Operation["responses"]!["412"] is not null))
        {
            var parameters = operation["parameters"]!.AsArray();
            Assert.True(parameters.Any(p => (string?)p!["in"] == "header" && (string?)p["name"] == "If-Match"), $"{name} has no If-Match");
        }

        var get = doc["paths"]!["/api/v1/features/{feature_name}"]!["get"]!;
        Assert.NotNull(get["responses"]!["200"]!["headers"]!["ETag"]);
        Assert.NotNull(doc["paths"]!["/api/v1/features"]!["post"]!["responses"]!["201"]!["headers"]!["ETag"]);
    }

    [Fact]
    public async Task The_document_names_its_server_and_describes_its_tags_and_shared_parameters()
    {
        var doc = await DocumentAsync();
        Assert.Equal("/", (string?)doc["servers"]![0]!["url"]);
        foreach (var tag in doc["tags"]!.AsArray())
            Assert.False(string.IsNullOrWhiteSpace((string?)tag!["description"]), $"tag {tag["name"]} has no description");

        foreach (var (name, operation) in Operations(doc))
        {
            Assert.DoesNotContain("\n ", (string?)operation["description"] ?? "", StringComparison.Ordinal); // XML indentation removed
            var featureName = operation["parameters"]?.AsArray().FirstOrDefault(p => (string?)p!["name"] == "feature_name");
            if (featureName is not null) Assert.False(string.IsNullOrEmpty((string?)featureName["description"]), $"{name}: feature_name undescribed");
        }

        var problem = doc["components"]!["schemas"]!["ProblemDetails"]!;
        Assert.NotNull(problem["properties"]!["trace_id"]);
    }

    [Fact]
    public async Task The_document_says_exactly_what_the_api_requires_and_answers()
    {
        var doc = await DocumentAsync();
        var paths = doc["paths"]!;
        bool Required(string path, string method, string name) =>
            paths[path]![method]!["parameters"]!.AsArray().Single(p => (string)p!["name"]! == name)!["required"] is JsonValue v && (bool)v;
        Assert.True(Required("/api/v1/features/{feature_name}/rollback", "post", "target_version"));
        Assert.True(Required("/api/v1/features/{feature_name}/values/latest", "get", "entity_id"));
        Assert.True(Required("/api/v1/feature-sets/{feature_set_name}/versions/{version}/online", "get", "entity_id"));

        // A deprecation answers the definition, or with dry_run the impact analysis: both are declared.
        var deprecate = paths["/api/v1/features/{feature_name}/deprecate"]!["post"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(["#/components/schemas/FeatureResponse", "#/components/schemas/ImpactResponse"],
            deprecate["oneOf"]!.AsArray().Select(s => (string)s!["$ref"]!));

        // Response schemas list every property as required (they are always sent, null when empty), and a raw
        // feature's transformation is declared nullable; request schemas keep their optional fields optional.
        var schemas = doc["components"]!["schemas"]!;
        var feature = schemas["FeatureResponse"]!;
        Assert.Equal(feature["properties"]!.AsObject().Select(p => p.Key).Order(), feature["required"]!.AsArray().Select(r => (string)r!).Order());
        Assert.True((bool)feature["properties"]!["transformation"]!["nullable"]!);
        Assert.Null(schemas["UpdateFeatureRequest"]!["required"]);
    }
}
