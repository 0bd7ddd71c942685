using DuckDB.NET.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Registry.DuckDb.Values;

namespace Registry.DuckDb;

/// <summary>
/// Readiness of the value store: not just that the file answers, but that an ingest can run. It stages a row the way
/// an ingest does (a TEMP table reached by its qualified name, the appender), writes and deletes a file in the staging
/// folder, and looks for schemas whose names would make the engine's own names ambiguous. While the file is still being
/// opened after a start (ADR 0050) it is not ready, and says so without waiting.
/// </summary>
public sealed class DuckDbHealthCheck(DuckDbOpening opening, StagingArea staging) : IHealthCheck
{
    public const string Opening = "The values database is still being opened.";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (opening.Failure is { } failure) return HealthCheckResult.Unhealthy("The values database could not be opened.", failure);
        if (!opening.IsOpen) return HealthCheckResult.Unhealthy(Opening);
        try
        {
            // The native call cannot observe the token: it runs on the pool and the wait is what times out.
            var problem = await Task.Run(Probe, cancellationToken).WaitAsync(cancellationToken);
            return problem is null ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(problem);
        }
        catch (Exception e) when (e is DuckDBException or DuckDbSchemaException or InvalidOperationException or ObjectDisposedException or OperationCanceledException or IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy(e is OperationCanceledException ? "No answer within the timeout." : "The values database cannot ingest.", e);
        }
    }

    /// <summary>The probe's stage: the columns a JSON ingest appends first, in their types.</summary>
    internal static readonly AppendColumn[] ProbeColumns = [new("entity_id", "VARCHAR"), new("event_ts", "TIMESTAMP"), new("value", "DOUBLE")];

    internal static string ProbeTable(string name) => $"CREATE TEMP TABLE {ValueSql.Q(name)} (entity_id VARCHAR, event_ts TIMESTAMP, value DOUBLE)";

    private string? Probe()
    {
        using var c = opening.Database.Rent();
        using (var r = c.Query("""
            SELECT string_agg(schema_name, ', ' ORDER BY schema_name) FROM information_schema.schemata
            WHERE catalog_name = current_database()
              AND lower(schema_name) IN (SELECT lower(database_name) FROM duckdb_databases() UNION ALL SELECT 'temp' UNION ALL SELECT 'system')
            """))
        {
            if (r.Read() && !r.IsNull(0))
                return $"Schemas named like catalogs make every ingest ambiguous: {r.GetString(0)}. Drop them.";
        }
        var probe = "health_" + Guid.NewGuid().ToString("N");
        try
        {
            c.Execute(ProbeTable(probe));
            using (var appender = CheckedAppender.Open(c, "temp", "main", probe, ProbeColumns))
            {
                appender.Varchar("probe").Timestamp(DateTime.UnixEpoch).Double(1.0).EndRow();
                appender.Close();
            }
            using var r = c.Query($"SELECT count(*) FROM {ValueSql.Temp(probe)}");
            if (!r.Read() || r.GetInt64(0) != 1) return "A staged row could not be read back.";
        }
        finally { c.Execute($"DROP TABLE IF EXISTS {ValueSql.Temp(probe)}"); }
        var file = staging.NewFile("health", "probe");
        using (StagingArea.Create(file)) { }
        File.Delete(file);
        return null;
    }
}
