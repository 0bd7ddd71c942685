using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Values;
using Registry.DuckDb.Values;

namespace Registry.DuckDb;

public static class DuckDbServiceCollectionExtensions
{
    /// <summary>
    /// Opens the values database once, at registration, sandboxed (ADR 0019): a missing libduckdb or an unusable file
    /// stops start-up with a clear message instead of failing the first request. The staging folder is taken back from
    /// any crashed run once the file is ours. The container disposes (checkpoints and closes) the database.
    /// </summary>
    public static IServiceCollection AddDuckDbValueStore(this IServiceCollection services, ValueStoreOptions options)
    {
        var staging = StagingArea.For(options);
        var database = DuckDbDatabase.Open(options.Path,
            new DuckDbSandbox([staging.Directory, .. options.ExtraAllowedDirectories], options.MemoryLimit));
        // After the open: DuckDB's lock on the file means no other live process stages here.
        staging.Prepare();
        services.AddSingleton(_ => database); // a factory registration, so the container disposes it at shutdown
        services.AddSingleton(options);
        services.AddSingleton(staging);
        services.AddSingleton<IValueStore, DuckDbValueStore>();
        // The value store translates DuckDB's outages itself; the other two DuckDB stores get the common proxy (ADR 0024).
        services.AddSingleton(sp => Guarded<Registry.Core.Training.ITrainingStore>(ActivatorUtilities.CreateInstance<Training.DuckDbTrainingStore>(sp)));
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
        Registry.Core.Common.StoreOutages<TStore>.Wrap(store, DuckDbFaults.TranslateAny);
}
