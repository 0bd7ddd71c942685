using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Registry.Postgres;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Platform;

public sealed class MigrationTests
{
    private static MigrationRunner Runner(NpgsqlDataSource ds) => new(ds, NullLogger<MigrationRunner>.Instance);

    [Fact]
    public async Task Instances_starting_together_apply_each_script_exactly_once()
    {
        await using var ds = NpgsqlDataSource.Create(await TestCluster.CreateDatabaseAsync("mig"));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Runner(ds).ApplyAsync(CancellationToken.None)));
        await Runner(ds).ApplyAsync(CancellationToken.None); // and again later: nothing to do

        await using var cmd = ds.CreateCommand("SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version");
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(int, long)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt32(0), reader.GetInt64(1)));
        Assert.Equal(MigrationRunner.Discover().Select(m => (m.Version, 1L)), rows);
    }

    [Fact]
    public async Task An_applied_script_that_was_edited_stops_start_up()
    {
        await using var ds = NpgsqlDataSource.Create(await TestCluster.CreateDatabaseAsync("mig"));
        await Runner(ds).ApplyAsync(CancellationToken.None);
        await using (var tamper = ds.CreateCommand("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1"))
            await tamper.ExecuteNonQueryAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner(ds).ApplyAsync(CancellationToken.None));
        Assert.Contains("changed after it was applied", error.Message);
    }

    [Fact]
    public void Scripts_are_numbered_without_gaps()
    {
        var versions = MigrationRunner.Discover().Select(m => m.Version).ToList();
        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
    }
}
