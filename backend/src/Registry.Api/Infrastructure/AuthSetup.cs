using System.Security.Cryptography;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Registry.Core.Auth;
using Registry.Core.Common;

namespace Registry.Api.Infrastructure;

/// <summary>
/// API keys (see docs/operations.md): required unless Auth:Enabled=false. The bootstrap admin key comes from
/// Auth:BootstrapKey; in Development without one, a key is generated once, kept in .data/dev-api-key and printed at
/// start-up. Keys are never printed or logged in any other environment.
/// </summary>
public static class AuthSetup
{
    /// <summary>A bootstrap key is a secret like any key: short ones are refused at start-up.</summary>
    public const int MinBootstrapKeyLength = 32;

    public static void AddRegistryAuth(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Auth");
        var enabled = section.GetValue("Enabled", true);
        var bootstrap = section["BootstrapKey"];
        string? developmentKeyFile = null;
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            bootstrap = null;
            if (enabled && builder.Environment.IsDevelopment())
            {
                developmentKeyFile = Path.GetFullPath(section["DevelopmentKeyFile"]
                    ?? Path.Combine(DatabaseSetup.FindRepositoryRoot(builder.Environment.ContentRootPath), ".data", "dev-api-key"));
                bootstrap = DevelopmentKey(developmentKeyFile);
            }
        }
        else if (bootstrap.Trim().Length < MinBootstrapKeyLength)
        {
            throw new InvalidOperationException(
                $"Auth:BootstrapKey must be at least {MinBootstrapKeyLength} characters: it is an admin secret " +
                "(generate one with `openssl rand -hex 32`).");
        }

        var cacheSeconds = section.GetValue("KeyCacheSeconds", 5.0);
        builder.Services.AddSingleton(sp => new ApiKeyCache(TimeSpan.FromSeconds(cacheSeconds), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddScoped<ApiKeyService>();

        var bootstrapHash = bootstrap is null ? null : ApiKeySecrets.Hash(bootstrap.Trim());
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, options =>
            {
                options.Enabled = enabled;
                options.BootstrapHash = bootstrapHash;
            });
        builder.Services.AddAuthorization(options =>
        {
            foreach (var scope in Enum.GetValues<ApiKeyScope>())
                options.AddPolicy(ScopePolicies.Name(scope, null), ScopePolicies.Policy(scope, null));
            options.AddPolicy(ScopePolicies.Name(ApiKeyScope.Write, "dry_run"), ScopePolicies.Policy(ApiKeyScope.Write, "dry_run"));
            // Endpoints that no convention covered (outside MVC) still need a key; health checks opt out with AllowAnonymous.
            options.FallbackPolicy = ScopePolicies.Policy(ApiKeyScope.Read, null);
        });
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, ScopeForbiddenResultHandler>();
        builder.Services.Configure<MvcOptions>(options => options.Conventions.Add(new ScopeConvention()));
        builder.Services.AddHostedService(sp => new AuthStartupReport(
            enabled, bootstrapConfigured: bootstrap is not null, developmentKeyFile, developmentKeyFile is null ? null : bootstrap,
            sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<ILogger<AuthStartupReport>>()));

        builder.AddRegistryRateLimits();
    }

    /// <summary>Authentication, then the per-key rate limit (it partitions by the key), then the scope check.</summary>
    public static WebApplication UseRegistryAuth(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseRegistryRateLimits();
        app.UseAuthorization();
        return app;
    }

    /// <summary>The Development key: read from its file, or generated once and written there (readable by the owner only).</summary>
    private static string DevelopmentKey(string path)
    {
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: >= MinBootstrapKeyLength } existing) return existing;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = $"{ApiKeySecrets.Prefix}dev_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new StreamWriter(path, options)) file.WriteLine(key);
        return key;
    }
}

/// <summary>Says at start-up how callers get in: loudly when authentication is off, and how to create a first key when none can.</summary>
internal sealed class AuthStartupReport(
    bool enabled, bool bootstrapConfigured, string? developmentKeyFile, string? developmentKey,
    IServiceScopeFactory scopes, ILogger<AuthStartupReport> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!enabled)
        {
            logger.AuthenticationDisabled();
            return;
        }

        if (developmentKey is not null)
        {
            // Development only, and only the generated key (a configured bootstrap key is never printed).
            logger.DevelopmentKey(developmentKey, developmentKeyFile);
            return;
        }

        if (bootstrapConfigured) return;
        bool anyKey;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            anyKey = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().AnyActiveAsync(cancellationToken);
        }
        catch (StoreUnavailableException)
        {
            return; // the database is unreachable: nothing useful to say about keys now
        }
        if (!anyKey)
        {
            logger.NoUsableKey(AuthSetup.MinBootstrapKeyLength);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The start-up report's messages, compiled once (LoggerMessage).</summary>
internal static partial class AuthLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "AUTHENTICATION IS DISABLED (Auth:Enabled=false): every request is accepted with every scope, " +
                                                      "including key management. Never run like this where anyone else can reach the API.")]
    public static partial void AuthenticationDisabled(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Development API key (admin): {DevelopmentKey}\n      Paste it into Swagger UI's Authorize button, or send it as X-API-Key. " +
                                                      "It is kept in {DevelopmentKeyFile}; set Auth:BootstrapKey to use another.")]
    public static partial void DevelopmentKey(this ILogger logger, string developmentKey, string? developmentKeyFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No API key can be used: Auth:BootstrapKey is not set and no key is stored, so every request will get 401. " +
                                                      "Set Auth:BootstrapKey (environment Auth__BootstrapKey) to a random secret of at least {MinLength} characters " +
                                                      "(e.g. `openssl rand -hex 32`), restart, then create keys with POST /api/v1/api-keys.")]
    public static partial void NoUsableKey(this ILogger logger, int minLength);
}
