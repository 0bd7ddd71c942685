using Mapster;
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

internal sealed class ApiKeyMappings : IRegister
{
    public void Register(TypeAdapterConfig config)
    {
        // The stored key's SecretHash has no member here, and must never get one.
        config.NewConfig<ApiKey, ApiKeyResponse>();
        config.NewConfig<CreatedApiKey, CreatedApiKeyResponse>()
            .Map(d => d.Key, s => s.Secret)
            .Map(d => d.KeyId, s => s.Key.KeyId)
            .Map(d => d.Name, s => s.Key.Name)
            .Map(d => d.Scopes, s => s.Key.Scopes)
            .Map(d => d.CreatedBy, s => s.Key.CreatedBy)
            .Map(d => d.CreatedAt, s => s.Key.CreatedAt);
    }
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
