using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Registry.Core.Auth;

namespace Registry.Api.Infrastructure;

internal sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Auth:Enabled. When false every request is let through with every scope.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>SHA-256 of the configured bootstrap key (or the Development key); the key itself is not kept.</summary>
    public byte[]? BootstrapHash { get; set; }
}

/// <summary>
/// Reads the key from `X-API-Key` or `Authorization: Bearer`, and establishes who is calling: the configured bootstrap
/// key (every scope), a stored key (its scopes), or nobody. A 401 is a problem document with `WWW-Authenticate`.
/// The presented key is never logged or echoed: failure messages name at most the public key id.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeyService keys, IProblemDetailsService problems)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";
    public const string BootstrapKeyId = "bootstrap";
    public const string ScopeClaim = "scope";
    private const string Realm = "Bearer realm=\"feature-registry\"";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Options.Enabled) return Success(DisabledPrincipal);

        var presented = Presented(Request);
        if (presented is null) return AuthenticateResult.NoResult();
        if (Options.BootstrapHash is { } bootstrap && ApiKeySecrets.Matches(presented, bootstrap))
            return Success(BootstrapPrincipal);

        var (check, key) = await keys.AuthenticateAsync(presented, Context.RequestAborted);
        return check switch
        {
            ApiKeyCheck.Valid => Success(KeyPrincipals.GetValue(key!, k => Principal(k.KeyId, k.Name, k.Scopes))),
            ApiKeyCheck.Revoked => AuthenticateResult.Fail($"The API key {key!.KeyId} was revoked."),
            _ => AuthenticateResult.Fail("The API key is not valid."),
        };
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var sent = result.Failure is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // RFC 6750: a key that was sent but refused is invalid_token; none sent gets the bare challenge.
        Response.Headers.WWWAuthenticate = sent ? $"{Realm}, error=\"invalid_token\"" : Realm;
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = sent ? "The API key was refused." : "An API key is required.",
                Detail = sent
                    ? $"{result.Failure!.Message} Ask an admin for a key (POST /api/v1/api-keys)."
                    : $"Send an API key as '{HeaderName}: frk_…' or 'Authorization: Bearer frk_…'.",
            },
        });
    }

    /// <summary>The caller's key id when authentication is turned off (Auth:Enabled=false).</summary>
    public const string AuthDisabledId = "anonymous";

    /// <summary>X-API-Key first, else a Bearer credential; null when neither was sent.</summary>
    internal static string? Presented(HttpRequest request)
    {
        if (request.Headers[HeaderName].ToString() is { Length: > 0 } key) return key.Trim();
        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) && authorization.Length > bearer.Length
            ? authorization[bearer.Length..].Trim()
            : null;
    }

    /// <summary>
    /// Principals are made once per key and shared by its requests: nothing here changes a principal after it is made (no
    /// claims transformation, no added identities), and building the claims was a tenth of a small request's allocations.
    /// A stored key's principal lives as long as the cache's instance of the key: a changed key is a new instance.
    /// </summary>
    private static readonly ClaimsPrincipal BootstrapPrincipal = Principal(BootstrapKeyId, BootstrapKeyId, Enum.GetValues<ApiKeyScope>());
    private static readonly ClaimsPrincipal DisabledPrincipal = Principal(AuthDisabledId, AuthDisabledId, Enum.GetValues<ApiKeyScope>());
    private static readonly ConditionalWeakTable<ApiKey, ClaimsPrincipal> KeyPrincipals = [];

    private static ClaimsPrincipal Principal(string keyId, string name, IEnumerable<ApiKeyScope> scopes)
    {
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, keyId), new(ClaimTypes.Name, name) };
        claims.AddRange(scopes.Select(s => new Claim(ScopeClaim, s.Name())));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
    }

    private static AuthenticateResult Success(ClaimsPrincipal principal) => AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
}

internal static class CallerExtensions
{
    /// <summary>The authenticated key (id, scopes and name), as services record it (created_by, created_by_key, revoked_by).</summary>
    public static Caller ToCaller(this ClaimsPrincipal user) => new(
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? ApiKeyAuthenticationHandler.AuthDisabledId,
        user.FindAll(ApiKeyAuthenticationHandler.ScopeClaim).Select(c => Enum.Parse<ApiKeyScope>(c.Value, ignoreCase: true)).ToList(),
        user.FindFirstValue(ClaimTypes.Name) ?? ApiKeyAuthenticationHandler.AuthDisabledId);

    public static bool HasScope(this ClaimsPrincipal user, ApiKeyScope scope) =>
        user.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, scope.Name());
}
