using System.Diagnostics.Metrics;

namespace Registry.Api.Operations;

/// <summary>What operators rely on: request body limits, health probes and Prometheus metrics (docs/operations.md).</summary>
public static class OperationsSetup
{
    public static IServiceCollection AddRegistryOperations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RequestLimits>()
            .Bind(configuration.GetSection(RequestLimits.Section))
            .Validate(l => l.MaxBodyBytes > 0 && l.MaxIngestBodyBytes > 0, "Limits:MaxBodyBytes and Limits:MaxIngestBodyBytes must be positive.")
            .ValidateOnStart();
        services.AddSingleton(sp => new MetricsCollector(sp.GetService<IMeterFactory>()));
        services.AddRegistryHealthChecks(Infrastructure.RegistryStoreSelection.Of(configuration), Infrastructure.OnlineStoreSetup.Role(configuration));
        return services;
    }

    public static WebApplication UseRequestBodyLimits(this WebApplication app)
    {
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        return app;
    }

    /// <summary>/health (as /health/ready), /health/live and /health/ready (anonymous), /metrics, and / (to Swagger UI); none is part of the OpenAPI document.</summary>
    public static WebApplication MapRegistryOperations(this WebApplication app)
    {
        app.MapRegistryHealth();
        // Created now, not at the first scrape, so that it sees every request from the first one on.
        var metrics = app.Services.GetRequiredService<MetricsCollector>();
        app.Services.GetService<Registry.DuckDb.DuckDbMemoryMetrics>(); // its gauges exist once made (the owner of a values file only)
        // Not anonymous: once API keys are required, Prometheus scrapes with a key that has the read scope.
        app.MapGet("/metrics", () => Results.Text(metrics.Render(), PrometheusText.ContentType)).ExcludeFromDescription();
        // A newcomer opening the bare address finds the API's documentation.
        app.MapGet("/", () => Results.Redirect("/swagger")).ExcludeFromDescription().AllowAnonymous();
        return app;
    }
}
