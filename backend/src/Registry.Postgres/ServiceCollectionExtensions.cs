using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Registry.Core.Features;
using Registry.Core.Versions;

namespace Registry.Postgres;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// One NpgsqlDataSource for the process (it owns the pool), the store on top, migrations at start-up; with
    /// <paramref name="cacheDefinitions"/>, current definitions kept in memory and exact by LISTEN/NOTIFY (ADR 0016), and with
    /// <paramref name="catalog"/> as well, filtered lists and lineage walks answered from memory on the same signal (ADR 0044).
    /// </summary>
    public static IServiceCollection AddPostgresRegistryStore(this IServiceCollection services, string connectionString,
        bool cacheDefinitions = true, bool catalog = true)
    {
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = "registry" }.Build());
        services.AddSingleton<MigrationRunner>();
        services.AddHostedService<MigrationHostedService>();
        if (cacheDefinitions)
        {
            services.AddSingleton<FeatureDefinitionCache>();
            services.AddSingleton<IFeatureChangeSignal>(sp => sp.GetRequiredService<FeatureDefinitionCache>());
            // Registered after the migrations' hosted service, so the triggers exist before it listens.
            services.AddHostedService<FeatureChangeListener>();
        }
        if (cacheDefinitions && catalog)
        {
            services.AddSingleton(sp => new FeatureCatalog(sp.GetRequiredService<FeatureDefinitionCache>(),
                new PostgresCatalogSource(sp.GetRequiredService<NpgsqlDataSource>())));
        }
        services.AddSingleton(sp => new PostgresFeatureStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetService<FeatureDefinitionCache>(),
            sp.GetService<FeatureCatalog>()));
        services.AddSingleton(sp => Guarded<IFeatureStore>(sp, sp.GetRequiredService<PostgresFeatureStore>()));
        services.AddSingleton(sp => Guarded<IVersionStore>(sp, sp.GetRequiredService<PostgresFeatureStore>()));
        services.AddSingleton(sp => Guarded<Registry.Core.Usage.IUsageStore>(sp,
            new PostgresUsageStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetService<FeatureDefinitionCache>())));
        services.AddSingleton(sp => Guarded<Registry.Core.Lineage.ILineageStore>(sp, ActivatorUtilities.CreateInstance<PostgresLineageStore>(sp)));
        services.AddSingleton(sp => Guarded<Registry.Core.FeatureSets.IFeatureSetStore>(sp, ActivatorUtilities.CreateInstance<PostgresFeatureSetStore>(sp)));
        services.AddSingleton(sp => Guarded<Registry.Core.Auth.IApiKeyStore>(sp, ActivatorUtilities.CreateInstance<PostgresApiKeyStore>(sp)));
        services.AddSingleton(sp => Guarded<Registry.Core.Snapshots.ISnapshotStore>(sp, ActivatorUtilities.CreateInstance<PostgresSnapshotStore>(sp)));
        return services;
    }

    /// <summary>The store as the services see it: PostgreSQL's outages leave it as Core's StoreUnavailableException.</summary>
    private static TStore Guarded<TStore>(IServiceProvider sp, TStore store) where TStore : class
    {
        var dataSource = sp.GetRequiredService<NpgsqlDataSource>();
        return Registry.Core.Common.StoreOutages.Wrap(store, e => PostgresFaults.Translate(e, dataSource));
    }
}

/// <summary>Runs before the server accepts requests: hosted services start ahead of the web server.</summary>
internal sealed class MigrationHostedService(MigrationRunner runner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runner.ApplyAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
