using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Infrastructure;
using Registry.Core.Auth;

namespace Registry.Api.ApiKeys;

/// <summary>API keys: create, list, read and revoke them (the `admin` scope).</summary>
[Route("api/v1/api-keys")]
[RequiresScope(ApiKeyScope.Admin)]
public sealed class ApiKeysController(ApiKeyService keys, IMapper mapper) : RegistryControllerBase
{
    private const string KeyETag = "The key's revision, a strong tag (\"1\"; \"2\" once revoked). Send it back in `If-Match` to revoke only the key as you read it.";

    /// <summary>Create an API key; its secret is in this answer only.</summary>
    /// <remarks>`scopes` lists read, write and/or admin; each includes the ones below it (["write"] gives read and write).
    /// Only the key's SHA-256 is stored, so `key` cannot be shown again: store it in your secret manager now. Send it as
    /// `X-API-Key: frk_…` or `Authorization: Bearer frk_…`.</remarks>
    [HttpPost]
    [Consumes("application/json")]
    [RequestExample(ApiKeyExamples.Create)]
    [SendsETag(KeyETag)]
    [ProducesResponseType<CreatedApiKeyResponse>(StatusCodes.Status201Created)]
    public async Task<ActionResult<CreatedApiKeyResponse>> CreateApiKey([FromBody] CreateApiKeyRequest request, CancellationToken ct)
    {
        var created = await keys.CreateAsync(request, User.ToCaller(), ct);
        Response.SetETag(created.Key.Revision);
        return CreatedAtAction(nameof(GetApiKey), new { key_id = created.Key.KeyId }, mapper.Map<CreatedApiKeyResponse>(created));
    }

    /// <summary>List API keys, oldest first, without their secrets.</summary>
    /// <remarks>Revoked keys are listed too unless `include_revoked=false`. The configured bootstrap key is not stored, so it is not listed.</remarks>
    [HttpGet]
    [ProducesResponseType<ApiKeyListResponse>(StatusCodes.Status200OK)]
    public async Task<ApiKeyListResponse> ListApiKeys(
        [FromQuery] bool includeRevoked = true,
        [FromQuery] int skip = 0,
        [FromQuery] int limit = ApiKeyService.DefaultLimit,
        CancellationToken ct = default)
    {
        var page = await keys.ListAsync(includeRevoked, skip, limit, ct);
        return new ApiKeyListResponse(mapper.Map<List<ApiKeyResponse>>(page.Keys), page.Total, skip, limit);
    }

    /// <summary>Get one API key (without its secret).</summary>
    [HttpGet("{key_id}")]
    [SendsETag(KeyETag)]
    [ProducesResponseType<ApiKeyResponse>(StatusCodes.Status200OK)]
    public async Task<ApiKeyResponse> GetApiKey([FromRoute] string keyId, CancellationToken ct)
    {
        var key = await keys.GetAsync(keyId, ct);
        Response.SetETag(key.Revision);
        return mapper.Map<ApiKeyResponse>(key);
    }

    /// <summary>Revoke an API key.</summary>
    /// <remarks>The key stops working at once on this instance, and within `Auth:KeyCacheSeconds` (default 5 s) on other
    /// instances. It stays listed, with `revoked_at` and `revoked_by`; revoking it again changes nothing. A key can revoke itself.</remarks>
    [HttpDelete("{key_id}")]
    [SendsETag(KeyETag)]
    [ProducesResponseType<ApiKeyResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status412PreconditionFailed, "application/problem+json")]
    public async Task<ApiKeyResponse> RevokeApiKey([FromRoute] string keyId, CancellationToken ct)
    {
        var key = await keys.RevokeAsync(keyId, Request.IfMatchRevision(), User.ToCaller(), ct);
        Response.SetETag(key.Revision);
        return mapper.Map<ApiKeyResponse>(key);
    }
}
