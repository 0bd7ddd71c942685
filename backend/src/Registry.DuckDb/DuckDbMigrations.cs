using System.Globalization;
using DuckDB.NET.Data;

namespace Registry.DuckDb;

/// <summary>One ordered change of the values file's layout. Code rather than a script: a change may have to visit every feature's tables.</summary>
public sealed record DuckDbMigration(int Version, string Name, Action<DuckDbSession> Apply);

/// <summary>
/// The values file records which layout it has (registry_meta.schema_migrations), as the PostgreSQL registry does, and
/// is brought forward at open, each migration once, in order, in its own transaction with its record (DuckDB's DDL is
/// transactional). A file written by a newer build is refused rather than misread. Files from before this record
/// existed have exactly the layout of migration 1, which is idempotent, so they are adopted, not refused.
/// </summary>
public static class DuckDbMigrations
{
    public const string Schema = "registry_meta";

    public static readonly IReadOnlyList<DuckDbMigration> All =
    [
        new(1, "baseline: the features, feature_views and registry_latest schemas", s => s.Execute("""
            CREATE SCHEMA IF NOT EXISTS features;
            CREATE SCHEMA IF NOT EXISTS feature_views;
            CREATE SCHEMA IF NOT EXISTS registry_latest;
            """)),
        // Commits whose latest values are not yet in the online store (ADR 0035); empty while the online store is off.
        new(2, "online_pending: the online store's repair queue", s => s.Execute($"""
            CREATE TABLE IF NOT EXISTS {Schema}.online_pending (
                feature_name VARCHAR   PRIMARY KEY,
                since        TIMESTAMP NOT NULL);
            """)),
    ];

    /// <summary>The layout this build writes.</summary>
    public static int Current => All[^1].Version;

    public static void Apply(DuckDbSession s, IReadOnlyList<DuckDbMigration> migrations)
    {
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version <= migrations[i - 1].Version)
                throw new InvalidOperationException($"DuckDB migrations must be in increasing order: {migrations[i].Version} follows {migrations[i - 1].Version}.");
        }
        s.Execute($"""
            CREATE SCHEMA IF NOT EXISTS {Schema};
            CREATE TABLE IF NOT EXISTS {Schema}.schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       VARCHAR NOT NULL,
                applied_at TIMESTAMP NOT NULL);
            """);
        var applied = new HashSet<int>();
        using (var r = s.Query($"SELECT version FROM {Schema}.schema_migrations"))
            while (r.Read()) applied.Add(r.GetInt32(0));
        var known = migrations.Count == 0 ? 0 : migrations[^1].Version;
        if (applied.Count > 0 && applied.Max() > known)
            throw new DuckDbSchemaException(
                $"The values file is at layout version {applied.Max().ToString(CultureInfo.InvariantCulture)}, written by a newer registry; " +
                $"this build knows versions up to {known.ToString(CultureInfo.InvariantCulture)}. Run the newer build, or restore a backup.");
        foreach (var m in migrations.Where(m => !applied.Contains(m.Version)))
        {
            s.Begin();
            try
            {
                m.Apply(s);
                s.Execute($"INSERT INTO {Schema}.schema_migrations VALUES (?, ?, ?)", m.Version, m.Name, DateTime.UtcNow);
                s.Commit();
            }
            catch (DuckDBException e)
            {
                s.Rollback();
                throw new DuckDbSchemaException($"DuckDB migration {m.Version.ToString(CultureInfo.InvariantCulture)} ({m.Name}) failed: {e.Message}", e);
            }
        }
    }

    /// <summary>The versions recorded in the file, in order.</summary>
    public static IReadOnlyList<int> Applied(DuckDbSession s)
    {
        var versions = new List<int>();
        using var r = s.Query($"SELECT version FROM {Schema}.schema_migrations ORDER BY version");
        while (r.Read()) versions.Add(r.GetInt32(0));
        return versions;
    }
}

/// <summary>The values file cannot be opened, or its layout cannot be used by this build; start-up stops with this message.</summary>
public sealed class DuckDbSchemaException(string message, Exception? inner = null) : Exception(message, inner);
