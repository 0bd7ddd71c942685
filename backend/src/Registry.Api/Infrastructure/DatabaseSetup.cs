using Registry.Core.Common;
using Registry.Core.Online;
using Registry.DuckDb;
using Registry.DuckDb.Values;
using Registry.Redis;
using Registry.MongoDb;
using Registry.Postgres;
using Registry.Postgres.LocalCluster;

namespace Registry.Api.Infrastructure;

public static class DatabaseSetup
{
    /// <summary>
    /// Uses ConnectionStrings:Registry when set: a mongodb:// or mongodb+srv:// URI selects the MongoDB store, anything
    /// else is a PostgreSQL connection string (RegistryStoreSelection). Otherwise, in Development only, provisions a local
    /// PostgreSQL cluster under .data/ in the repository so that `dotnet run` works on a fresh clone;
    /// anywhere else a missing connection string is a configuration error, not something to guess.
    /// </summary>
    public static async Task AddRegistryDatabaseAsync(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Registry");
        // DefinitionCache:Enabled=false reads every definition from the database (e.g. behind a pooler that drops LISTEN).
        var cacheDefinitions = builder.Configuration.GetValue("DefinitionCache:Enabled", true);
        // DefinitionCache:Catalog=false keeps filtered lists and lineage walks on the database (ADR 0044).
        var catalog = cacheDefinitions && builder.Configuration.GetValue("DefinitionCache:Catalog", true);
        if (RegistryStoreSelection.Of(connectionString) == RegistryStoreKind.MongoDb)
        {
            builder.Services.AddMongoRegistryStore(connectionString!, cacheDefinitions);
            return;
        }
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (!builder.Environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    "ConnectionStrings:Registry is not configured. Set it (e.g. the environment variable " +
                    "ConnectionStrings__Registry=\"Host=...;Database=registry;Username=...;Password=...\"). " +
                    "A local database is provisioned automatically only in the Development environment.");
            }

            var section = builder.Configuration.GetSection("LocalPostgres");
            var dataDir = Path.Combine(FindRepositoryRoot(builder.Environment.ContentRootPath), section["DataDirectory"] ?? ".data/postgres");
            var database = section["Database"] ?? "registry";
            var cluster = await LocalPostgresCluster.StartAsync(dataDir);
            await cluster.EnsureDatabaseAsync(database);
            connectionString = cluster.ConnectionString(database);
            builder.Services.AddHostedService(sp => new LocalClusterLifetime(cluster, sp.GetRequiredService<ILogger<LocalClusterLifetime>>()));
        }

        builder.Services.AddPostgresRegistryStore(connectionString, cacheDefinitions, catalog);
    }

    /// <summary>
    /// The DuckDB file holding feature values: DuckDb:Path, by default .data/values.duckdb at the repository root
    /// (or the content root when the API runs outside a clone). One process owns the file.
    /// </summary>
    public static void AddRegistryValueStore(this WebApplicationBuilder builder)
    {
        var role = OnlineStoreSetup.Role(builder.Configuration);
        builder.Services.AddSingleton(new OnlineStoreMode(role));
        builder.Services.AddSingleton(OnlineStoreSetup.Ttl(builder.Configuration, role));
        if (role != OnlineRole.Off)
        {
            var online = builder.Configuration.GetSection(OnlineStoreSetup.Section);
            builder.Services.AddRedisOnlineStore(online["Redis"]!, online["KeyPrefix"] is { Length: > 0 } prefix ? prefix : OnlineStoreSetup.DefaultKeyPrefix,
                OnlineStoreSetup.Ttl(builder.Configuration, role));
        }
        if (role == OnlineRole.Replica)
        {
            builder.Services.AddOnlineReplicaValueStore();
            return;
        }
        if (role == OnlineRole.Owner) builder.Services.AddDuckDbOnlineOwner();
        var section = builder.Configuration.GetSection("DuckDb");
        var options = new ValueStoreOptions
        {
            Path = ValuesPath(builder),
            // The engine may touch its staging folder and the snapshot root, nothing else (ADR 0019).
            ExtraAllowedDirectories = [SnapshotRoot(builder)],
            MemoryLimit = section["MemoryLimit"] is { Length: > 0 } memory ? memory : ValueStoreOptions.DefaultMemoryLimit,
        };
        if (section["TempDirectory"] is { Length: > 0 } temp) options.TempDirectory = Path.GetFullPath(temp);
        if (section.GetValue<TimeSpan?>("SqlTimeout") is { } timeout) options.SqlTimeout = timeout;
        // The engine's memory is bounded by these (ADR 0042): threads, and where and how much it spills beyond MemoryLimit.
        options.Threads = ThreadsSetting(section);
        if (section["SpillDirectory"] is { Length: > 0 } spill) options.SpillDirectory = Path.GetFullPath(spill);
        if (section["MaxSpillSize"] is { Length: > 0 } spillSize) options.MaxSpillSize = spillSize;
        builder.Services.AddDuckDbValueStore(options);
    }

    /// <summary>
    /// Where snapshot trees are written: Snapshots:Root, by default a snapshots folder next to the DuckDB file (so a
    /// test's or CI run's throwaway values folder holds its snapshots too).
    /// </summary>
    public static void AddRegistrySnapshotFiles(this WebApplicationBuilder builder)
    {
        if (OnlineStoreSetup.Role(builder.Configuration) == OnlineRole.Replica) return; // the owner writes them
        builder.Services.AddDuckDbSnapshotFiles(new Registry.DuckDb.Snapshots.SnapshotStoreOptions { Root = SnapshotRoot(builder) });
    }

    private static string SnapshotRoot(WebApplicationBuilder builder) => Path.GetFullPath(
        builder.Configuration["Snapshots:Root"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetDirectoryName(ValuesPath(builder))!, "snapshots"));

    /// <summary>DuckDb:Threads: a positive count, or absent for every core; anything else stops start-up naming the setting.</summary>
    private static int? ThreadsSetting(IConfigurationSection section) => section["Threads"] switch
    {
        null or "" => null,
        var text when int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 => n,
        var text => throw new InvalidOperationException($"DuckDb:Threads must be a positive whole number of threads, not '{text}'."),
    };

    private static string ValuesPath(WebApplicationBuilder builder) =>
        Path.GetFullPath(builder.Configuration["DuckDb:Path"] ?? Path.Combine(FindRepositoryRoot(builder.Environment.ContentRootPath), ".data", "values.duckdb"));

    /// <summary>.data/ lives at the repository root (the folder holding Registry.sln), wherever `dotnet run` starts.</summary>
    internal static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Registry.sln"))) return dir.FullName;
        }
        return start;
    }
}

public enum RegistryStoreKind { PostgreSql, MongoDb }

/// <summary>Which registry store a connection string selects: the URI scheme decides, so there is one setting, not two to keep in step.</summary>
public static class RegistryStoreSelection
{
    public static RegistryStoreKind Of(string? connectionString) =>
        connectionString?.TrimStart() is { } s
        && (s.StartsWith("mongodb://", StringComparison.OrdinalIgnoreCase) || s.StartsWith("mongodb+srv://", StringComparison.OrdinalIgnoreCase))
            ? RegistryStoreKind.MongoDb
            : RegistryStoreKind.PostgreSql;

    public static RegistryStoreKind Of(IConfiguration configuration) => Of(configuration.GetConnectionString("Registry"));
}

/// <summary>Logs where the local cluster is and stops it with the API.</summary>
internal sealed class LocalClusterLifetime(LocalPostgresCluster cluster, ILogger<LocalClusterLifetime> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LocalCluster(cluster.Port, cluster.DataDirectory);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await cluster.DisposeAsync();
        if (cluster.OwnsServer) logger.LocalClusterStopped();
        else logger.LocalClusterLeftRunning();
    }
}

internal static partial class DatabaseLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "No ConnectionStrings:Registry configured: using a local PostgreSQL cluster at 127.0.0.1:{Port}, data in {DataDirectory}")]
    public static partial void LocalCluster(this ILogger logger, int port, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Local PostgreSQL cluster stopped")]
    public static partial void LocalClusterStopped(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Local PostgreSQL cluster left running: it was started by an earlier run")]
    public static partial void LocalClusterLeftRunning(this ILogger logger);
}

/// <summary>
/// The optional online store (ADR 0034, 0036). OnlineStore:Redis turns it on; DuckDb:Enabled=false makes this process a
/// replica that holds no values file and reads latest values from Redis. TTLs are ISO 8601 durations.
/// </summary>
public static class OnlineStoreSetup
{
    public const string Section = "OnlineStore";
    public const string DefaultKeyPrefix = "fr:";

    public static OnlineRole Role(IConfiguration configuration)
    {
        var redis = configuration[$"{Section}:Redis"];
        var ownsValues = configuration.GetValue("DuckDb:Enabled", true);
        if (string.IsNullOrWhiteSpace(redis))
        {
            if (!ownsValues)
                throw new InvalidOperationException(
                    "DuckDb:Enabled=false makes this API a replica that serves values from the online store, but OnlineStore:Redis is not set. " +
                    "Set it (e.g. OnlineStore__Redis=127.0.0.1:6379), or leave DuckDb:Enabled at true.");
            return OnlineRole.Off;
        }
        return ownsValues ? OnlineRole.Owner : OnlineRole.Replica;
    }

    public static OnlineTtl Ttl(IConfiguration configuration, OnlineRole role)
    {
        if (role == OnlineRole.Off) return OnlineTtl.None;
        var section = configuration.GetSection(Section);
        TimeSpan? Parse(string key, string? text) =>
            Instants.TryParseDuration(text, out var d) && d > TimeSpan.Zero
                ? d
                : throw new InvalidOperationException($"{Section}:{key} must be a positive ISO 8601 duration such as P7D or PT12H, not '{text}'.");
        var defaultTtl = section["Ttl"] is { Length: > 0 } t ? Parse("Ttl", t) : null;
        var features = section.GetSection("FeatureTtl").GetChildren().ToDictionary(c => c.Key, c => Parse($"FeatureTtl:{c.Key}", c.Value)!.Value, StringComparer.Ordinal);
        var sets = section.GetSection("FeatureSetTtl").GetChildren().ToDictionary(c => c.Key, c => Parse($"FeatureSetTtl:{c.Key}", c.Value)!.Value, StringComparer.Ordinal);
        return new OnlineTtl(defaultTtl, features, sets);
    }
}
