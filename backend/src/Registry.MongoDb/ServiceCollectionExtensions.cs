using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Auth;
using Registry.Core.Features;
using Registry.Core.FeatureSets;
using Registry.Core.Lineage;
using Registry.Core.Snapshots;
using Registry.Core.Usage;
using Registry.Core.Versions;

namespace Registry.MongoDb;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// One MongoClient for the process, the stores on top, start-up steps (replica set check, collections, indexes) before
    /// the server accepts requests; with <paramref name="cacheDefinitions"/>, current definitions kept in memory and exact
    /// through a change stream (ADR 0016, ADR 0022).
    /// </summary>
    public static IServiceCollection AddMongoRegistryStore(this IServiceCollection services, string connectionString, bool cacheDefinitions = true)
    {
        services.AddSingleton(_ => new MongoRegistry(connectionString));
        services.AddHostedService<StartupStepsHostedService>();
        if (cacheDefinitions)
        {
            services.AddSingleton<FeatureDefinitionCache>();
            services.AddSingleton<IFeatureChangeSignal>(sp => sp.GetRequiredService<FeatureDefinitionCache>());
            // Registered after the start-up steps, so the collection and its pre-images exist before the stream opens.
            services.AddHostedService<MongoChangeListener>();
        }
        services.AddSingleton(sp => new MongoFeatureStore(sp.GetRequiredService<MongoRegistry>(), sp.GetService<FeatureDefinitionCache>()));
        services.AddSingleton(sp => Guarded<IFeatureStore>(sp.GetRequiredService<MongoFeatureStore>()));
        services.AddSingleton(sp => Guarded<IVersionStore>(sp.GetRequiredService<MongoFeatureStore>()));
        services.AddSingleton(sp => Guarded<IUsageStore>(new MongoUsageStore(sp.GetRequiredService<MongoRegistry>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetService<FeatureDefinitionCache>())));
        services.AddSingleton(sp => Guarded<ILineageStore>(ActivatorUtilities.CreateInstance<MongoLineageStore>(sp)));
        services.AddSingleton(sp => Guarded<IFeatureSetStore>(ActivatorUtilities.CreateInstance<MongoFeatureSetStore>(sp)));
        services.AddSingleton(sp => Guarded<IApiKeyStore>(ActivatorUtilities.CreateInstance<MongoApiKeyStore>(sp)));
        services.AddSingleton(sp => Guarded<ISnapshotStore>(ActivatorUtilities.CreateInstance<MongoSnapshotStore>(sp)));
        return services;
    }

    /// <summary>The store as the services see it: MongoDB's outages leave it as Core's StoreUnavailableException.</summary>
    private static TStore Guarded<TStore>(TStore store) where TStore : class =>
        Registry.Core.Common.StoreOutages<TStore>.Wrap(store, MongoFaults.Translate);
}
