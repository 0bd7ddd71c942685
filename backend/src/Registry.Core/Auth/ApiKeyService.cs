using System.Collections.Concurrent;
using FluentValidation;
using Registry.Core.Common;

namespace Registry.Core.Auth;

/// <summary>
/// API keys: create (the secret is returned once), list, read and revoke, and check a presented key. Keys are
/// never changed otherwise: a key with other scopes is a new key.
/// </summary>
public sealed class ApiKeyService(IApiKeyStore store, ApiKeyCache cache, TimeProvider clock)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>Expects a request that passed <see cref="CreateApiKeyValidator"/>.</summary>
    public async Task<CreatedApiKey> CreateAsync(CreateApiKeyRequest request, Caller caller, CancellationToken ct)
    {
        var keyId = ApiKeySecrets.NewId();
        var secret = ApiKeySecrets.NewKey(keyId);
        var key = new ApiKey
        {
            KeyId = keyId,
            Name = request.Name!,
            Scopes = ApiKeyScopes.Expand(request.Scopes!),
            SecretHash = ApiKeySecrets.Hash(secret),
            CreatedBy = caller.KeyId,
            CreatedAt = clock.Now(),
        };
        await store.CreateAsync(key, ct);
        return new CreatedApiKey(key, secret);
    }

    public Task<ApiKeyPage> ListAsync(bool includeRevoked, int skip, int limit, CancellationToken ct)
    {
        var errors = Paging.Errors(skip, limit, MaxLimit);
        if (errors.Count > 0) throw new InvalidInputException(errors);
        return store.ListAsync(includeRevoked, skip, limit, ct);
    }

    public async Task<ApiKey> GetAsync(string keyId, CancellationToken ct)
    {
        CheckId(keyId);
        return await store.GetAsync(keyId, ct) ?? throw NotFound(keyId);
    }

    /// <summary>
    /// Revokes the key; it stops working at once on this instance and within <see cref="ApiKeyCache.TimeToLive"/> on
    /// others. Revoking a revoked key changes nothing. With <paramref name="ifMatch"/>, a key changed since it was read is a 412.
    /// </summary>
    public async Task<ApiKey> RevokeAsync(string keyId, int? ifMatch, Caller caller, CancellationToken ct)
    {
        CheckId(keyId);
        var current = await store.GetAsync(keyId, ct) ?? throw NotFound(keyId);
        if (ifMatch is { } expected && expected != current.Revision)
            throw new PreconditionFailedException($"API key '{keyId}' is at revision {current.Revision}, not {expected}; fetch it again and retry.");
        if (current.IsRevoked) return current;
        var revoked = await store.RevokeAsync(keyId, current.Revision, caller.KeyId, clock.Now(), ct);
        cache.Forget(keyId);
        // Only another revocation can have changed it meanwhile: the outcome wanted, unless the caller pinned a revision.
        return revoked ?? (ifMatch is null
            ? await store.GetAsync(keyId, ct) ?? throw NotFound(keyId)
            : throw new PreconditionFailedException($"API key '{keyId}' was changed by another request; fetch it again and retry."));
    }

    /// <summary>What a presented key is: a valid stored key, unknown (or malformed), or revoked.</summary>
    public async Task<(ApiKeyCheck Check, ApiKey? Key)> AuthenticateAsync(string presented, CancellationToken ct)
    {
        if (!ApiKeySecrets.TryParseId(presented, out var keyId)) return (ApiKeyCheck.Unknown, null);
        var key = cache.Get(keyId);
        if (key is null)
        {
            key = await store.GetAsync(keyId, ct);
            if (key is null) return (ApiKeyCheck.Unknown, null);
            cache.Put(key);
        }
        if (!ApiKeySecrets.Matches(presented, key.SecretHash)) return (ApiKeyCheck.Unknown, null);
        return key.IsRevoked ? (ApiKeyCheck.Revoked, key) : (ApiKeyCheck.Valid, key);
    }

    public Task<bool> AnyActiveAsync(CancellationToken ct) => store.AnyActiveAsync(ct);

    private static void CheckId(string? keyId)
    {
        if (!ApiKeySecrets.IsKeyId(keyId))
            throw InvalidInputException.For("key_id", "key_id must be the 16 hex digits after 'frk_' in a key, e.g. 3f9a0c2b7d4e1a65.");
    }

    private static NotFoundException NotFound(string keyId) => new($"API key '{keyId}' does not exist.");
}

public enum ApiKeyCheck { Valid, Unknown, Revoked }

public static class ApiKeyScopes
{
    /// <summary>Every scope implied by the given ones: up to the highest (admin gives admin, write and read).</summary>
    public static IReadOnlyList<ApiKeyScope> Expand(IEnumerable<ApiKeyScope> scopes)
    {
        var highest = scopes.DefaultIfEmpty(ApiKeyScope.Read).Max();
        return Enum.GetValues<ApiKeyScope>().Where(s => s <= highest).ToList();
    }

    public static string Name(this ApiKeyScope scope) => scope.ToString().ToLowerInvariant();
}

/// <summary>
/// Stored keys as recently read, so that a request costs no database round trip. An entry lives
/// <see cref="TimeToLive"/>; revoking on this instance forgets it at once. Only keys that exist are kept (with a
/// bound), so garbage keys cannot grow it.
/// </summary>
public sealed class ApiKeyCache(TimeSpan timeToLive, TimeProvider clock)
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (ApiKey Key, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);

    public TimeSpan TimeToLive { get; } = timeToLive;

    public ApiKey? Get(string keyId) =>
        _entries.TryGetValue(keyId, out var entry) && entry.Expires > clock.GetUtcNow() ? entry.Key : null;

    public void Put(ApiKey key)
    {
        if (TimeToLive <= TimeSpan.Zero) return;
        if (_entries.Count >= MaxEntries) _entries.Clear();
        _entries[key.KeyId] = (key, clock.GetUtcNow() + TimeToLive);
    }

    public void Forget(string keyId) => _entries.TryRemove(keyId, out _);
}

public sealed class CreateApiKeyValidator : AbstractValidator<CreateApiKeyRequest>
{
    public CreateApiKeyValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(100)
            .Must(n => n is null || !n.Any(char.IsControl)).WithMessage("name cannot contain control characters.");
        RuleFor(x => x.Scopes).NotEmpty().WithMessage("scopes must list at least one of read, write, admin.");
        RuleForEach(x => x.Scopes).IsInEnum();
    }
}
