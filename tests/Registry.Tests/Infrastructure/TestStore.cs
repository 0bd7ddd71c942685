using MongoDB.Driver;
using Testcontainers.MongoDb;

namespace Registry.Tests.Infrastructure;

/// <summary>
/// Which registry store the integration suite runs on. PostgreSQL unless REGISTRY_TEST_MONGODB is set: to a MongoDB
/// connection string (a replica set, e.g. mongodb://localhost:27017/?replicaSet=rs0), or to "docker" for a throwaway
/// single-node replica set through Testcontainers. Each factory gets a database of its own, as on PostgreSQL.
/// Tests that inspect PostgreSQL itself (its tables, triggers, backends) carry the trait Store=PostgreSql: the MongoDB
/// pass leaves them out (.ci/run), and they run in the PostgreSQL pass as always.
/// </summary>
public static class TestStore
{
    public const string Variable = "REGISTRY_TEST_MONGODB";

    /// <summary>The trait of tests that read or change PostgreSQL directly.</summary>
    public const string PostgreSqlOnly = "PostgreSql";

    private static readonly string? MongoSetting = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } v ? v : null;
    private static readonly Lazy<Task<string>> MongoServer = new(StartMongoAsync);

    public static bool IsMongoDb => MongoSetting is not null;

    /// <summary>A fresh registry database on the selected store, with no data; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        if (!IsMongoDb) return await TestCluster.CreateRegistryDatabaseAsync(prefix);
        var url = new MongoUrlBuilder(await MongoServer.Value) { DatabaseName = $"{prefix}_{Guid.NewGuid():N}" };
        return url.ToString();
    }

    private static async Task<string> StartMongoAsync()
    {
        if (!string.Equals(MongoSetting, "docker", StringComparison.OrdinalIgnoreCase)) return MongoSetting!;
        // Transactions and change streams need a replica set; Testcontainers initiates a single-node one.
        var container = new MongoDbBuilder("mongo:7.0").WithReplicaSet("rs0").Build();
        await container.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return container.GetConnectionString();
    }
}
