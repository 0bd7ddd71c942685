using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Registry.DuckDb;

/// <summary>Readiness: a pooled connection to the values file runs SELECT 1.</summary>
public sealed class DuckDbHealthCheck(DuckDbDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // The native call cannot observe the token: it runs on the pool and the wait is what times out.
            await Task.Run(() =>
            {
                using var c = database.Rent();
                c.Execute("SELECT 1");
            }, cancellationToken).WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is DuckDbException or ObjectDisposedException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(e is OperationCanceledException ? "No answer within the timeout." : "The values database failed a query.", e);
        }
    }
}
