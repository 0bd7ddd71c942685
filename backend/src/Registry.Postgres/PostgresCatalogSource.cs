using Npgsql;
using NpgsqlTypes;
using Registry.Core.Features;

namespace Registry.Postgres;

/// <summary>The catalog's reads (ADR 0044): each one statement, so each is one snapshot of the rows and their edges.</summary>
public sealed class PostgresCatalogSource(NpgsqlDataSource dataSource) : IFeatureCatalogSource
{
    // Edges aggregated once for the whole table: a per-row subquery would run one index scan per feature.
    private const string AllSql = """
        SELECT f.feature_name, f.feature_type, f.status, f.owner, f.tags, f.current_version, coalesce(e.upstream, '{}')
        FROM features f
        LEFT JOIN (SELECT feature_name, array_agg(upstream_name ORDER BY position) AS upstream FROM feature_upstreams GROUP BY feature_name) e
            ON e.feature_name = f.feature_name
        """;

    private const string SomeSql = """
        SELECT f.feature_name, f.feature_type, f.status, f.owner, f.tags, f.current_version,
               ARRAY(SELECT u.upstream_name FROM feature_upstreams u WHERE u.feature_name = f.feature_name ORDER BY u.position)
        FROM features f WHERE f.feature_name = ANY ($1)
        """;

    public async Task<IReadOnlyList<CatalogEntry>> LoadAllAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(AllSql);
        cmd.CommandTimeout = 300;
        return await ReadAsync(cmd, ct);
    }

    public async Task<IReadOnlyList<CatalogEntry>> LoadAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(SomeSql);
        cmd.Parameters.Add(new() { Value = featureNames.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return await ReadAsync(cmd, ct);
    }

    private static async Task<IReadOnlyList<CatalogEntry>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var entries = new List<CatalogEntry>();
        // Owners and versions repeat across thousands of features: one string each.
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        string Shared(string s) => strings.TryGetValue(s, out var kept) ? kept : strings[s] = s;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            entries.Add(new CatalogEntry(reader.GetString(0), StoredJson.Parse<FeatureType>(reader.GetString(1)),
                StoredJson.Parse<FeatureStatus>(reader.GetString(2)), Shared(reader.GetString(3)),
                [.. reader.GetFieldValue<string[]>(4).Select(Shared)], Shared(reader.GetString(5)), reader.GetFieldValue<string[]>(6)));
        }
        return entries;
    }
}
