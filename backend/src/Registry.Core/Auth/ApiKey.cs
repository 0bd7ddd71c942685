namespace Registry.Core.Auth;

/// <summary>What a key may do. Each scope includes the ones below it: admin ⊃ write ⊃ read.</summary>
public enum ApiKeyScope { Read, Write, Admin }

/// <summary>
/// A stored API key: its public id, what it may do, and the SHA-256 of its secret. The secret itself is never stored;
/// it is shown once, when the key is created.
/// </summary>
public sealed record ApiKey
{
    /// <summary>The public part of the key (16 lowercase hex digits), safe to show, list and log.</summary>
    public required string KeyId { get; init; }
    /// <summary>What the key is for, e.g. "nightly-ingest pipeline".</summary>
    public required string Name { get; init; }
    /// <summary>Every scope the key holds, implied ones included (a write key holds read and write).</summary>
    public required IReadOnlyList<ApiKeyScope> Scopes { get; init; }
    /// <summary>SHA-256 of the whole key as sent (32 bytes).</summary>
    public required byte[] SecretHash { get; init; }
    /// <summary>The key id of the admin key that created it ("bootstrap" for the configured one).</summary>
    public required string CreatedBy { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public string? RevokedBy { get; init; }
    /// <summary>1 when created, 2 once revoked: the ETag.</summary>
    public int Revision { get; init; } = 1;

    public bool IsRevoked => RevokedAt is not null;
}

/// <summary>A key as just created: the stored record and, this once, the full key.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>
/// Who is calling: the key's id, scopes and name, as the API's authentication handler established them. Changes record
/// the key id whatever the client says, and the key's name as `created_by` unless the client gives one.
/// </summary>
public sealed record Caller(string KeyId, IReadOnlyList<ApiKeyScope> Scopes, string Name)
{
    /// <summary>The free-text author a client gave, or by default the key's name.</summary>
    public string Author(string? given) => string.IsNullOrWhiteSpace(given) ? Name : given;
}

public sealed record ApiKeyPage(IReadOnlyList<ApiKey> Keys, long Total);

/// <summary>Creates a key. Both fields are nullable so that a missing one comes back as a 400 keyed by its name.</summary>
public sealed class CreateApiKeyRequest
{
    /// <summary>What the key is for (1–100 characters), e.g. "nightly-ingest pipeline".</summary>
    [System.ComponentModel.DataAnnotations.Required] public string? Name { get; set; }
    /// <summary>read, write and/or admin. Each includes the ones below it, so ["write"] gives read and write.</summary>
    [System.ComponentModel.DataAnnotations.Required] public List<ApiKeyScope>? Scopes { get; set; }
}
