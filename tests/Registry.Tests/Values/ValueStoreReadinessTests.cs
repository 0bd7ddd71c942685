using Microsoft.Extensions.DependencyInjection;
using Registry.DuckDb;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>
/// Readiness says whether the value store can ingest, not only whether its file opens: a schema named like a catalog
/// (what a hostile duckdb_table could create before ADR 0019) makes every ingest ambiguous, and readiness says so.
/// </summary>
public sealed class ValueStoreReadinessTests(RegistryApiFactory api) : IClassFixture<RegistryApiFactory>
{
    [Fact]
    public async Task A_store_that_cannot_ingest_is_not_ready_and_is_again_once_repaired()
    {
        using var client = api.CreateClient();
        await client.CreateAsync(FeatureApi.Minimal("ready_close"), allowExisting: true);
        await client.IngestAsync("ready_close", Row("A", Day(0), 1));
        await (await client.GetAsync("/health/ready")).ExpectAsync(200);

        var db = api.Services.GetRequiredService<DuckDbDatabase>();
        using (var c = db.Rent()) c.Execute("CREATE SCHEMA \"temp\"");
        try
        {
            var ready = await client.GetAsync("/health/ready");
            Assert.Equal(503, (int)ready.StatusCode);
            Assert.Contains("temp", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            using var c = db.Rent();
            c.Execute("DROP SCHEMA \"values\".\"temp\"");
        }
        await (await client.GetAsync("/health/ready")).ExpectAsync(200);
        await client.IngestAsync("ready_close", Row("A", Day(1), 2));
    }
}
