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

public sealed class SwaggerTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>
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
        Assert.Equal("stock_rsi_14d", (string?)create["requestBody"]!["content"]!["application/json"]!["example"]!["feature_name"]);
        foreach (var status in new[] { "201", "400", "409", "422" })
            Assert.NotNull(create["responses"]![status]);
        Assert.NotNull(paths["/api/v1/features/{feature_name}"]!["get"]!["responses"]!["404"]);

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
