using Npgsql;
using NpgsqlTypes;
using Registry.Core.Auth;

namespace Registry.Postgres;

public sealed class PostgresApiKeyStore(NpgsqlDataSource dataSource) : IApiKeyStore
{
    private const string Columns = "key_id, name, scopes, secret_hash, created_by, created_at, revoked_at, revoked_by, revision";

    public async Task CreateAsync(ApiKey key, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            INSERT INTO api_keys ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7)
            """);
        cmd.Parameters.Add(new() { Value = key.KeyId });
        cmd.Parameters.Add(new() { Value = key.Name });
        cmd.Parameters.Add(new() { Value = key.Scopes.Select(s => StoredJson.Wire(s)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = key.SecretHash, NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new() { Value = key.CreatedBy });
        cmd.Parameters.Add(new() { Value = key.CreatedAt });
        cmd.Parameters.Add(new() { Value = key.Revision });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<ApiKey?> GetAsync(string keyId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM api_keys WHERE key_id = $1");
        cmd.Parameters.Add(new() { Value = keyId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<ApiKeyPage> ListAsync(bool includeRevoked, int skip, int limit, CancellationToken ct)
    {
        var where = includeRevoked ? "" : "WHERE revoked_at IS NULL";
        await using var cmd = dataSource.CreateCommand($"""
            SELECT {Columns}, (SELECT count(*) FROM api_keys {where}) FROM api_keys {where}
            ORDER BY created_at, key_id OFFSET $1 LIMIT $2
            """);
        cmd.Parameters.Add(new() { Value = skip });
        cmd.Parameters.Add(new() { Value = limit });
        var keys = new List<ApiKey>();
        long total = 0;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                keys.Add(Read(reader));
                total = reader.GetInt64(9);
            }
        }
        if (keys.Count == 0 && skip > 0)
        {
            await using var count = dataSource.CreateCommand($"SELECT count(*) FROM api_keys {where}");
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        return new ApiKeyPage(keys, total);
    }

    public async Task<ApiKey?> RevokeAsync(string keyId, int expectedRevision, string revokedBy, DateTimeOffset at, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            UPDATE api_keys SET revoked_at = $3, revoked_by = $4, revision = revision + 1
            WHERE key_id = $1 AND revision = $2 AND revoked_at IS NULL
            RETURNING {Columns}
            """);
        cmd.Parameters.Add(new() { Value = keyId });
        cmd.Parameters.Add(new() { Value = expectedRevision });
        cmd.Parameters.Add(new() { Value = at });
        cmd.Parameters.Add(new() { Value = revokedBy });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<bool> AnyActiveAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL)");
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static ApiKey Read(NpgsqlDataReader r) => new()
    {
        KeyId = r.GetString(0),
        Name = r.GetString(1),
        Scopes = r.GetFieldValue<string[]>(2).Select(StoredJson.Parse<ApiKeyScope>).Order().ToList(),
        SecretHash = r.GetFieldValue<byte[]>(3),
        CreatedBy = r.GetString(4),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(5),
        RevokedAt = r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
        RevokedBy = r.IsDBNull(7) ? null : r.GetString(7),
        Revision = r.GetInt32(8),
    };
}
