using Registry.Core.Auth;

namespace Registry.Api.ApiKeys;

/// <summary>A key as listed: its public id and what it may do, never its secret.</summary>
public sealed record ApiKeyResponse(
    string KeyId,
    string Name,
    IReadOnlyList<ApiKeyScope> Scopes,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    string? RevokedBy);

/// <summary>A key just created. `key` is the secret: it is shown this once and cannot be read again.</summary>
public sealed record CreatedApiKeyResponse(
    string Key,
    string KeyId,
    string Name,
    IReadOnlyList<ApiKeyScope> Scopes,
    string CreatedBy,
    DateTimeOffset CreatedAt);

/// <summary>One page of keys, oldest first, with the total.</summary>
public sealed record ApiKeyListResponse(IReadOnlyList<ApiKeyResponse> ApiKeys, long Total, int Skip, int Limit);

internal static class ApiKeyMapping
{
    public static ApiKeyResponse ToResponse(this ApiKey k) => new(k.KeyId, k.Name, k.Scopes, k.CreatedBy, k.CreatedAt, k.RevokedAt, k.RevokedBy);

    public static CreatedApiKeyResponse ToResponse(this CreatedApiKey created) => new(
        created.Secret, created.Key.KeyId, created.Key.Name, created.Key.Scopes, created.Key.CreatedBy, created.Key.CreatedAt);
}

/// <summary>Request examples shown in Swagger UI.</summary>
internal static class ApiKeyExamples
{
    public const string Create = """
        {
          "name": "nightly-ingest pipeline",
          "scopes": ["write"]
        }
        """;
}
