using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Registry.Api.Infrastructure;
using Registry.DuckDb;
using Registry.MongoDb;
using Registry.Postgres;

namespace Registry.Api.Operations;

/// <summary>
/// Liveness (the process answers; no database is touched, so a database outage never gets the API restarted) and
/// readiness (the registry store, PostgreSQL or MongoDB, and the DuckDB values file each answer a trivial query within a
/// short timeout).
/// </summary>
internal static class HealthEndpoints
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    /// <summary>Where a newcomer looks first: the same answer as readiness.</summary>
    public const string HealthPath = "/health";
    private const string Ready = "ready";
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    public static IServiceCollection AddRegistryHealthChecks(this IServiceCollection services, RegistryStoreKind store,
        Registry.Core.Online.OnlineRole online = Registry.Core.Online.OnlineRole.Off)
    {
        var checks = services.AddHealthChecks();
        if (store == RegistryStoreKind.MongoDb)
            checks.AddCheck<MongoHealthCheck>("mongodb", failureStatus: HealthStatus.Unhealthy, tags: [Ready], timeout: CheckTimeout);
        else
            checks.AddCheck<PostgresHealthCheck>("postgresql", failureStatus: HealthStatus.Unhealthy, tags: [Ready], timeout: CheckTimeout);
        // A replica holds no values file (ADR 0036).
        if (online != Registry.Core.Online.OnlineRole.Replica)
            checks.AddCheck<DuckDbHealthCheck>("duckdb", failureStatus: HealthStatus.Unhealthy, tags: [Ready], timeout: CheckTimeout);
        // Degraded at worst: Redis down stops only a replica's online reads (503), not the registry or ingest.
        if (online != Registry.Core.Online.OnlineRole.Off)
            checks.AddCheck<Registry.Redis.RedisHealthCheck>("redis", failureStatus: HealthStatus.Degraded, tags: [Ready], timeout: CheckTimeout);
        return services;
    }

    /// <summary>Anonymous whatever authentication requires elsewhere: orchestrators probe without credentials.</summary>
    public static void MapRegistryHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync }).AllowAnonymous();
    }

    /// <summary>{"status": "unhealthy", "checks": {"postgresql": {"status": "unhealthy", "duration_ms": 3000.4, "description": "..."}}}; 200 or 503.</summary>
    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", Name(report.Status));
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", Name(entry.Status));
            json.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 1));
            if (entry.Description is { } description) json.WriteString("description", description);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
