using MongoDB.Driver;
using Registry.Core.Auth;
using Registry.MongoDb.Documents;

namespace Registry.MongoDb;

/// <summary>API keys (api_keys): the key id as _id, the SHA-256 of the secret, never the secret.</summary>
public sealed class MongoApiKeyStore(MongoRegistry registry) : IApiKeyStore
{
    private static readonly FilterDefinitionBuilder<ApiKeyDocument> F = Builders<ApiKeyDocument>.Filter;

    public Task CreateAsync(ApiKey key, CancellationToken ct) => registry.ApiKeys.InsertOneAsync(key.ToDocument(), cancellationToken: ct);

    public async Task<ApiKey?> GetAsync(string keyId, CancellationToken ct) =>
        (await registry.ApiKeys.Find(k => k.Id == keyId).FirstOrDefaultAsync(ct))?.ToDomain();

    public async Task<ApiKeyPage> ListAsync(bool includeRevoked, int skip, int limit, CancellationToken ct)
    {
        var filter = includeRevoked ? F.Empty : F.Eq(k => k.RevokedAt, null);
        var keys = await registry.ApiKeys.Find(filter)
            .Sort(Builders<ApiKeyDocument>.Sort.Ascending(k => k.CreatedAt).Ascending(k => k.CreatedAtUs).Ascending(k => k.Id))
            .Skip(skip).Limit(limit).ToListAsync(ct);
        var total = await registry.ApiKeys.CountDocumentsAsync(filter, cancellationToken: ct);
        return new ApiKeyPage([.. keys.Select(k => k.ToDomain())], total);
    }

    public async Task<ApiKey?> RevokeAsync(string keyId, int expectedRevision, string revokedBy, DateTimeOffset at, CancellationToken ct)
    {
        var (date, us) = StoredValues.Split(at);
        var revoked = await registry.ApiKeys.FindOneAndUpdateAsync(
            F.And(F.Eq(k => k.Id, keyId), F.Eq(k => k.Revision, expectedRevision), F.Eq(k => k.RevokedAt, null)),
            Builders<ApiKeyDocument>.Update.Set(k => k.RevokedAt, date).Set(k => k.RevokedAtUs, us).Set(k => k.RevokedBy, revokedBy).Inc(k => k.Revision, 1),
            new FindOneAndUpdateOptions<ApiKeyDocument> { ReturnDocument = ReturnDocument.After },
            ct);
        return revoked?.ToDomain();
    }

    public async Task<bool> AnyActiveAsync(CancellationToken ct) =>
        await registry.ApiKeys.Find(F.Eq(k => k.RevokedAt, null)).Limit(1).AnyAsync(ct);
}
