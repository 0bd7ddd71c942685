namespace Registry.Core.Auth;

/// <summary>API keys as stored: hashes and metadata, never secrets.</summary>
public interface IApiKeyStore
{
    Task CreateAsync(ApiKey key, CancellationToken ct);

    Task<ApiKey?> GetAsync(string keyId, CancellationToken ct);

    /// <summary>Ordered by creation, oldest first (then by id).</summary>
    Task<ApiKeyPage> ListAsync(bool includeRevoked, int skip, int limit, CancellationToken ct);

    /// <summary>
    /// Marks the key revoked (revision + 1) if it is still at <paramref name="expectedRevision"/>; null when it is not
    /// (another request changed it meanwhile).
    /// </summary>
    Task<ApiKey?> RevokeAsync(string keyId, int expectedRevision, string revokedBy, DateTimeOffset at, CancellationToken ct);

    /// <summary>Whether any key that has not been revoked exists.</summary>
    Task<bool> AnyActiveAsync(CancellationToken ct);
}
