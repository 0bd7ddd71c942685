using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;

namespace Registry.Api.Infrastructure;

/// <summary>RateLimit:* — token buckets, one per API key, and one per client address for requests without a valid key.</summary>
public sealed class RateLimitOptions
{
    public bool Enabled { get; set; } = true;
    /// <summary>Sustained requests per second per key.</summary>
    public int PermitsPerSecond { get; set; } = 1000;
    /// <summary>Requests a key may make at once after being idle (the bucket's size).</summary>
    public int Burst { get; set; } = 2000;
    /// <summary>Per client address, for requests without a valid key: they can only get 401 (or health), so few are enough.</summary>
    public int AnonymousPermitsPerSecond { get; set; } = 20;
    public int AnonymousBurst { get; set; } = 40;
}

internal static class RateLimits
{
    public static void AddRegistryRateLimits(this WebApplicationBuilder builder)
    {
        var limits = builder.Configuration.GetSection("RateLimit").Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (limits.PermitsPerSecond < 1 || limits.Burst < 1 || limits.AnonymousPermitsPerSecond < 1 || limits.AnonymousBurst < 1)
            throw new InvalidOperationException("RateLimit:PermitsPerSecond, Burst, AnonymousPermitsPerSecond and AnonymousBurst must be 1 or more.");
        builder.Services.AddSingleton(limits);
        if (!limits.Enabled) return;

        builder.Services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                var keyId = http.User.Identity?.IsAuthenticated == true ? http.User.FindFirstValue(ClaimTypes.NameIdentifier) : null;
                // With authentication off every caller is "anonymous": give each address a key's allowance.
                if (keyId == ApiKeyAuthenticationHandler.AuthDisabledId) keyId = null;
                return keyId is not null
                    ? Bucket("key:" + keyId, limits.PermitsPerSecond, limits.Burst)
                    : http.User.Identity?.IsAuthenticated == true
                        ? Bucket("address:" + address, limits.PermitsPerSecond, limits.Burst)
                        : Bucket("anonymous:" + address, limits.AnonymousPermitsPerSecond, limits.AnonymousBurst);
            });
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                var keyed = http.User.Identity?.IsAuthenticated == true;
                var problem = new ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests.",
                    Detail = keyed
                        ? $"This API key may make {limits.PermitsPerSecond} requests per second (bursts of {limits.Burst}); retry after {retryAfter} s."
                        : $"Requests without a valid API key are limited to {limits.AnonymousPermitsPerSecond} per second per address; retry after {retryAfter} s.",
                };
                await http.RequestServices.GetRequiredService<IProblemDetailsService>()
                    .TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
            };
        });
    }

    public static void UseRegistryRateLimits(this WebApplication app)
    {
        if (app.Services.GetRequiredService<RateLimitOptions>().Enabled) app.UseRateLimiter();
    }

    private static RateLimitPartition<string> Bucket(string partition, int perSecond, int burst) =>
        RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
}
