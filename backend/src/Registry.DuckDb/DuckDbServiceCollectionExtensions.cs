using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Values;
using Registry.DuckDb.Values;

namespace Registry.DuckDb;

public static class DuckDbServiceCollectionExtensions
{
    /// <summary>
    /// Starts opening the values database once, at registration, sandboxed (ADR 0019), on a pool thread beside the rest of
    /// the start (ADR 0050): its users wait for it on first use, readiness says not ready until it is open, and a missing
    /// libduckdb or an unusable file stops the API with a clear message (<see cref="DuckDbOpenWatch"/>) instead of
    /// failing requests. The staging folder is taken back from any crashed run once the file is ours. The container
    /// disposes (checkpoints and closes) the database.
    /// </summary>
    public static IServiceCollection AddDuckDbValueStore(this IServiceCollection services, ValueStoreOptions options)
    {
        var staging = StagingArea.For(options);
        var opening = new DuckDbOpening(() =>
        {
            var database = DuckDbDatabase.Open(options.Path,
                new DuckDbSandbox([staging.Directory, .. options.ExtraAllowedDirectories], options.MemoryLimit, options.Threads, options.SpillDirectory,
                    options.MaxSpillSize));
            // After the open: DuckDB's lock on the file means no other live process stages here.
            try { staging.Prepare(); }
            catch
            {
                database.Dispose();
                throw;
            }
            return database;
        });
        services.AddSingleton(_ => opening); // a factory registration, so the container disposes it at shutdown
        services.AddSingleton(sp => sp.GetRequiredService<DuckDbOpening>().Database);
        services.AddHostedService<DuckDbOpenWatch>();
        services.AddSingleton<DuckDbMemoryMetrics>();
        services.AddSingleton(options);
        services.AddSingleton(staging);
        // With the online store on (AddDuckDbOnlineOwner), commits keep its copy of latest values.
        services.AddSingleton(sp => new DuckDbValueStore(sp.GetRequiredService<DuckDbDatabase>(), options, staging, sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Online.OnlinePublisher>()));
        services.AddSingleton<IValueStore>(sp => sp.GetRequiredService<DuckDbValueStore>());
        // The value store translates DuckDB's outages itself; the other two DuckDB stores get the common proxy (ADR 0024).
        services.AddSingleton(sp => Guarded<Registry.Core.Training.ITrainingStore>(ActivatorUtilities.CreateInstance<Training.DuckDbTrainingStore>(sp)));
        return services;
    }

    /// <summary>
    /// The values owner keeps the online store (register an <see cref="Registry.Core.Online.IOnlineStore"/> too): every
    /// commit writes the latest values it changed, and a background loop repairs and backfills (ADR 0035).
    /// </summary>
    public static IServiceCollection AddDuckDbOnlineOwner(this IServiceCollection services)
    {
        services.AddSingleton<Online.OnlinePublisher>();
        services.AddSingleton<Online.OnlineSync>();
        services.AddSingleton<Registry.Core.Online.IOnlineSync>(sp => sp.GetRequiredService<Online.OnlineSync>());
        services.AddHostedService(sp => sp.GetRequiredService<Online.OnlineSync>());
        return services;
    }

    /// <summary>
    /// A replica with no values file (ADR 0036): latest values and vectors from the online store, SQL checked by an
    /// in-memory DuckDB that holds nothing, everything else answered 503 for the owner to serve.
    /// </summary>
    public static IServiceCollection AddOnlineReplicaValueStore(this IServiceCollection services)
    {
        // Parsing only: the engine may reach one empty folder (the sandbox needs one) and holds no values.
        var empty = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "registry-sql-check")).FullName;
        var parser = DuckDbDatabase.Open(":memory:", new DuckDbSandbox([empty], "256MB"), migrations: []);
        services.AddSingleton(_ => parser);
        services.AddSingleton<IValueStore>(sp => new Online.OnlineReplicaValueStore(sp.GetRequiredService<Registry.Core.Online.IOnlineStore>(), parser));
        services.AddSingleton<Registry.Core.Training.ITrainingStore, Online.OwnerOnlyTrainingStore>();
        services.AddSingleton<Registry.Core.Snapshots.ISnapshotFileStore, Online.OwnerOnlySnapshotFiles>();
        return services;
    }

    /// <summary>Snapshot files, written from the values database (register <see cref="AddDuckDbValueStore"/> too) under <paramref name="options"/>' root.</summary>
    public static IServiceCollection AddDuckDbSnapshotFiles(this IServiceCollection services, Snapshots.SnapshotStoreOptions options)
    {
        Directory.CreateDirectory(options.Root);
        services.AddSingleton(options);
        services.AddSingleton(sp => Guarded<Registry.Core.Snapshots.ISnapshotFileStore>(ActivatorUtilities.CreateInstance<Snapshots.DuckDbSnapshotFileStore>(sp)));
        return services;
    }

    private static TStore Guarded<TStore>(TStore store) where TStore : class =>
        Registry.Core.Common.StoreOutages.Wrap(store, DuckDbFaults.TranslateAny);
}
