using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Values;
using Registry.DuckDb.Values;

namespace Registry.DuckDb;

public static class DuckDbServiceCollectionExtensions
{
    /// <summary>
    /// Opens the values database once, at registration: a missing libduckdb or an unusable file stops start-up with
    /// a clear message instead of failing the first request. The container disposes (checkpoints and closes) it.
    /// </summary>
    public static IServiceCollection AddDuckDbValueStore(this IServiceCollection services, ValueStoreOptions options)
    {
        var database = DuckDbDatabase.Open(options.Path);
        services.AddSingleton(_ => database); // a factory registration, so the container disposes it at shutdown
        services.AddSingleton(options);
        services.AddSingleton<IValueStore, DuckDbValueStore>();
        services.AddSingleton<Registry.Core.Training.ITrainingStore, Training.DuckDbTrainingStore>();
        return services;
    }

    /// <summary>Snapshot files, written from the values database (register <see cref="AddDuckDbValueStore"/> too) under <paramref name="options"/>' root.</summary>
    public static IServiceCollection AddDuckDbSnapshotFiles(this IServiceCollection services, Snapshots.SnapshotStoreOptions options)
    {
        Directory.CreateDirectory(options.Root);
        services.AddSingleton(options);
        services.AddSingleton<Registry.Core.Snapshots.ISnapshotFileStore, Snapshots.DuckDbSnapshotFileStore>();
        return services;
    }
}
