using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Registry.Postgres;
using Registry.Postgres.LocalCluster;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL cluster for the whole test run (started on first use, removed at exit);
/// each API the tests start gets its own database in it, so those APIs run in parallel without sharing data.
/// </summary>
public static class TestCluster
{
    private static readonly Lazy<Task<LocalPostgresCluster>> Cluster = new(StartAsync);
    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync);

    public static Task<LocalPostgresCluster> GetAsync() => Cluster.Value;

    /// <summary>A fresh, empty database on the shared cluster; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var cluster = await GetAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await cluster.EnsureDatabaseAsync(name);
        return cluster.ConnectionString(name);
    }

    /// <summary>
    /// A fresh registry database, already migrated: a copy of a template migrated once per run (CREATE DATABASE …
    /// TEMPLATE), cheaper than applying every migration again. The API still runs its migrations at startup and finds
    /// them applied, checksums included; MigrationTests apply them to an empty database (ADR 0038).
    /// </summary>
    public static async Task<string> CreateRegistryDatabaseAsync(string prefix)
    {
        var cluster = await GetAsync();
        var template = await Template.Value;
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", connection);
        await create.ExecuteNonQueryAsync();
        return cluster.ConnectionString(name);
    }

    private static async Task<string> CreateTemplateAsync()
    {
        var cluster = await GetAsync();
        const string name = "registry_template";
        await cluster.EnsureDatabaseAsync(name);
        // No pooling: a template may have no open connections while it is copied.
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString(name)) { Pooling = false }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync(CancellationToken.None);
        return name;
    }

    private static async Task<LocalPostgresCluster> StartAsync()
    {
        RemoveLeftovers();
        var dir = Path.Combine(Path.GetTempPath(), $"registry-tests-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var cluster = await LocalPostgresCluster.StartAsync(dir, deleteOnDispose: true);
        // A throwaway cluster need not wait for the disk at every commit: a crash loses the run, not data (ADR 0038).
        // The tests that take PostgreSQL down run a cluster of their own.
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            // Two commands: ALTER SYSTEM may not run in the implicit transaction of a batch.
            await using (var alter = new NpgsqlCommand("ALTER SYSTEM SET synchronous_commit = off", connection)) await alter.ExecuteNonQueryAsync();
            await using (var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection)) await reload.ExecuteNonQueryAsync();
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return cluster;
    }

    /// <summary>
    /// The exit handler stops the server but the test host may be torn down before the folder is deleted;
    /// folders of runs whose process is gone are removed here instead (the pid is part of the name).
    /// </summary>
    private static void RemoveLeftovers()
    {
        foreach (var dir in TestProcesses.Leftovers("registry-tests-*"))
        {
            if (File.Exists(Path.Combine(dir, "postmaster.pid"))) continue; // a server may still use it
            try { Directory.Delete(dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }
}
