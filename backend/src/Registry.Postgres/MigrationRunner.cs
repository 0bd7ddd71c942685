using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Registry.Postgres;

/// <summary>
/// Applies the embedded, numbered SQL scripts (Migrations/NNNN_name.sql) in order, once each,
/// recording them in schema_migrations. A session advisory lock serializes instances that start
/// together; a changed script that was already applied stops start-up rather than drifting.
/// </summary>
public sealed class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    // Arbitrary but fixed: every instance of the registry must contend for the same lock.
    private const long LockKey = 0x5265_6769_7374_7279; // "Registry"

    public sealed record Migration(int Version, string Name, string Sql, string Checksum);

    public static IReadOnlyList<Migration> Discover()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        const string marker = ".Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.Contains(marker, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[(n.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..^4];
                var version = int.Parse(file.AsSpan(0, file.IndexOf('_')), System.Globalization.CultureInfo.InvariantCulture);
                var sql = Read(assembly, n);
                return new Migration(version, file, sql, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql))));
            })
            .OrderBy(m => m.Version)
            .ToList();
    }

    public async Task ApplyAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await Execute(connection, $"SELECT pg_advisory_lock({LockKey})", ct);
        try
        {
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, ct);

            var applied = new Dictionary<int, string>();
            await using (var cmd = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) applied[reader.GetInt32(0)] = reader.GetString(1);

            foreach (var migration in Discover())
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                        throw new InvalidOperationException(
                            $"Migration {migration.Name} was changed after it was applied; add a new migration instead of editing an applied one.");
                    continue;
                }

                await using var tx = await connection.BeginTransactionAsync(ct);
                await Execute(connection, migration.Sql, ct);
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection))
                {
                    record.Parameters.Add(new() { Value = migration.Version });
                    record.Parameters.Add(new() { Value = migration.Name });
                    record.Parameters.Add(new() { Value = migration.Checksum });
                    await record.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                logger.AppliedMigration(migration.Name);
            }
        }
        finally
        {
            await Execute(connection, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

internal static partial class MigrationLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Migration}")]
    public static partial void AppliedMigration(this ILogger logger, string migration);
}
