using Microsoft.Extensions.Diagnostics.HealthChecks;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Registry.MongoDb;

/// <summary>Readiness: the registry database answers a ping through the process's client.</summary>
public sealed class MongoHealthCheck(MongoRegistry registry) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await registry.Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is MongoException or TimeoutException or OperationCanceledException)
        {
            // The answer is public: no host names or server messages in it; the health check log has the exception.
            return HealthCheckResult.Unhealthy(e is OperationCanceledException ? "No answer within the timeout." : "MongoDB is unreachable.", e);
        }
    }
}
