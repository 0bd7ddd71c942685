using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Registry.Core.Online;
using StackExchange.Redis;

namespace Registry.Redis;

public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// The online store in Redis (<paramref name="configuration"/> is a StackExchange.Redis configuration string such as
    /// <c>127.0.0.1:6379</c>). Registration does not wait for Redis: the multiplexer connects and reconnects by itself.
    /// </summary>
    public static IServiceCollection AddRedisOnlineStore(this IServiceCollection services, string configuration, string keyPrefix, OnlineTtl ttl)
    {
        var redis = RedisOnlineStore.Connect(configuration);
        var store = new RedisOnlineStore(redis, keyPrefix, ttl);
        services.AddSingleton(_ => store); // a factory registration, so the container disposes it at shutdown
        services.AddSingleton<IOnlineStore>(sp => sp.GetRequiredService<RedisOnlineStore>());
        return services;
    }
}

/// <summary>
/// Redis answers PING and holds a complete copy. Degraded, not unhealthy, when it does not: the registry and (on the
/// values owner) ingest keep working; only a replica's online reads are refused meanwhile (503).
/// </summary>
public sealed class RedisHealthCheck(RedisOnlineStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.Database.PingAsync();
            return await store.IsCompleteAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Degraded("Redis holds no complete copy yet: the values owner is backfilling it.");
        }
        catch (Exception e) when (e is RedisException or Registry.Core.Common.StoreUnavailableException or TimeoutException)
        {
            return HealthCheckResult.Degraded("Redis cannot be reached: online reads from replicas answer 503 until it is back.", e);
        }
    }
}
