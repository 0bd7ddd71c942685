using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Registry.Postgres;

/// <summary>Readiness: a connection from the registry's pool answers the cheapest query there is.</summary>
public sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            // The answer is public: no host names or server messages in it; the health check log has the exception.
            return HealthCheckResult.Unhealthy(e is OperationCanceledException ? "No answer within the timeout." : "PostgreSQL is unreachable.", e);
        }
    }
}
