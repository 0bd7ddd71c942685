using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Platform;

public sealed class StartupTests
{
    private sealed class ProductionWithoutDatabase : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:Registry", "");
        }
    }

    [Fact]
    public void Outside_development_a_missing_connection_string_stops_start_up_with_a_clear_message()
    {
        using var factory = new ProductionWithoutDatabase();
        var error = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());
        Assert.Contains("ConnectionStrings:Registry is not configured", error.Message);
    }
}

[Trait(TestCategory.Name, TestCategory.Slow)] // provisions a PostgreSQL cluster of its own
public sealed class LocalClusterTests
{
    [Fact]
    public async Task A_cluster_can_be_stopped_and_started_again_on_the_same_folder_keeping_its_data()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"registry-restart-{Guid.NewGuid():N}");
        try
        {
            var first = await Registry.Postgres.LocalCluster.LocalPostgresCluster.StartAsync(dir);
            await first.EnsureDatabaseAsync("kept");
            await first.StopAsync();

            await using var second = await Registry.Postgres.LocalCluster.LocalPostgresCluster.StartAsync(dir);
            await using var connection = new Npgsql.NpgsqlConnection(second.ConnectionString("kept"));
            await connection.OpenAsync();
            Assert.Equal(dir, second.DataDirectory);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}

public sealed class SwaggerTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task The_document_lists_every_operation_with_examples_and_error_responses()
    {
        var doc = (await (await _client.GetAsync("/swagger/v1/swagger.json")).ExpectAsync(200))!;
        var paths = doc["paths"]!.AsObject();

        var operations = paths.SelectMany(p => p.Value!.AsObject().Select(o => (string)o.Value!["operationId"]!)).Order().ToList();
        Assert.Equal(["activateFeature", "backfillOnlineStore", "createApiKey", "createFeature", "createFeatureSet", "createFeatureSetVersion", "createSnapshot", "createTrainingSet", "createVersion", "deleteFeature", "deprecateFeature", "diffVersions", "exposeView", "getApiKey", "getFeature", "getFeatureSet", "getFeatureSetVersion", "getImpact", "getLatestValues", "getLineage", "getOnlineStoreStatus", "getOnlineVectors", "getSnapshot", "getSnapshotNormalization", "getStatistics", "getValueStats", "getVersion", "ingestValues", "listApiKeys", "listFeatures", "listFeatureSets", "listFeatureSetVersions", "listSnapshots", "listSnapshotUsage", "listUsage", "listVersions", "materializeValues", "readValues", "recordSnapshotUsage", "recordUsage", "recordUsageBatch", "revokeApiKey", "rollbackFeature", "updateFeature", "uploadTrainingLabels", "validateValues"], operations);

        var create = paths["/api/v1/features"]!["post"]!;
        // The pre-filled example must work on an empty registry: the raw feature, not the RSI that needs it.
        var example = create["requestBody"]!["content"]!["application/json"]!["example"]!;
        Assert.Equal("stock_daily_close", (string?)example["feature_name"]);
        Assert.Null(example["upstream_features"]);
        foreach (var status in new[] { "201", "400", "409", "422" })
            Assert.NotNull(create["responses"]![status]);
        Assert.NotNull(paths["/api/v1/features/{feature_name}"]!["get"]!["responses"]!["404"]);

        // Swagger UI lists the areas as a newcomer meets them: features first, API keys last, and the paths in that order.
        var tags = doc["tags"]!.AsArray().Select(t => (string)t!["name"]!).ToList();
        Assert.Equal("Features", tags[0]);
        Assert.Equal("ApiKeys", tags[^1]);
        var pathTags = paths.Select(p => (string)p.Value!.AsObject().First().Value!["tags"]![0]!).Distinct().ToList();
        Assert.Equal(tags.Where(pathTags.Contains), pathTags);

        // Every path parameter has an example (Dredd and others refuse to call an operation without one).
        foreach (var (path, item) in paths)
        {
            foreach (var parameter in item!.AsObject().SelectMany(o => o.Value!["parameters"]?.AsArray() ?? []).Where(p => (string)p!["in"]! == "path"))
                Assert.True(parameter!["example"] is not null, $"{path}: {(string)parameter["name"]!} has no example");
        }

        var featureType = doc["components"]!["schemas"]!["FeatureType"]!["enum"]!.AsArray().Select(e => (string)e!);
        Assert.Contains("technical_indicator", featureType);
    }

    [Fact]
    public async Task Swagger_ui_is_served()
    {
        var html = await (await _client.GetAsync("/swagger/index.html")).Content.ReadAsStringAsync();
        Assert.Contains("swagger-ui", html);
    }

    [Fact]
    public async Task Unknown_routes_get_a_problem_document()
    {
        await (await _client.GetAsync("/api/v1/nothing-here")).ExpectProblemAsync(404);
    }
}
