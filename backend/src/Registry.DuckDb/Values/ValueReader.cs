using System.Runtime.CompilerServices;
using Registry.Core.Features;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// Every read of stored values: ranges (bitemporal, with as_of), exports, latest values for inference (through the exact
/// <see cref="LatestCache"/>), statistics, quality facts and rule measures over stored rows.
/// </summary>
internal sealed class ValueReader(DuckDbDatabase db, StagingArea staging, ValueTables tables, LatestCache latest)
{
    public async IAsyncEnumerable<ValueRow> ReadAsync(ValueTable table, ValueQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        using var c = db.Rent();
        if (!tables.Exists(c, table)) yield break;
        var (sql, args) = ValueSql.Current(table, query.ContractMajor, query.From, query.To, query.AsOf, query.EntityIds);
        args.Add(query.Limit);
        using var interrupt = ct.Register(c.Interrupt);
        using var reader = c.Query($"{sql} ORDER BY entity_id, event_ts LIMIT ?", [.. args]);
        var n = 0;
        while (reader.Read())
        {
            ct.ThrowIfCancellationRequested();
            yield return Row(reader);
            // The rows are already in memory (a materialized result); yielding now and then lets the response stream
            // flush without holding a thread for the whole read.
            if (++n % 4096 == 0) await Task.Yield();
        }
    }

    public async Task ExportAsync(ValueTable table, ValueQuery query, ValueFormat format, Stream output, CancellationToken ct)
    {
        if (format == ValueFormat.Csv)
        {
            await CsvExport.WriteAsync(ReadAsync(table, query, ct), output, ct);
            return;
        }
        var file = staging.NewFile("export", ValueFormat.Parquet);
        try
        {
            await Task.Run(() => WriteParquet(table, query, file, ct), ct);
            await using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await fs.CopyToAsync(output, 1 << 16, ct);
        }
        finally { File.Delete(file); }
    }

    private void WriteParquet(ValueTable table, ValueQuery query, string file, CancellationToken ct)
    {
        using var c = db.Rent();
        using var interrupt = ct.Register(c.Interrupt);
        var export = "export_" + Guid.NewGuid().ToString("N");
        string select;
        var args = new List<object?>();
        if (tables.Exists(c, table))
        {
            (select, args) = ValueSql.Current(table, query.ContractMajor, query.From, query.To, query.AsOf, query.EntityIds);
            args.Add(query.Limit);
            select += " ORDER BY entity_id, event_ts LIMIT ?";
        }
        else select = $"SELECT ''::VARCHAR AS entity_id, NULL::TIMESTAMP AS event_ts, NULL::{ValueSql.ColumnType(table.DataType)} AS value, ''::VARCHAR AS feature_version, NULL::TIMESTAMP AS ingested_at WHERE false";
        try
        {
            c.Execute($"CREATE TEMP TABLE {ValueSql.Q(export)} AS {select}", [.. args]);
            c.Execute($"COPY {ValueSql.Temp(export)} TO {DuckDbSession.Literal(file)} (FORMAT parquet)");
        }
        finally { c.Execute($"DROP TABLE IF EXISTS {ValueSql.Temp(export)}"); }
    }

    /// <summary>
    /// The newest value per entity, ordered by entity id: from the cache when the feature has not changed since it was
    /// read, else from the feature's latest-value table (a primary-key lookup for one entity).
    /// </summary>
    public IReadOnlyList<ValueRow> Latest(ValueTable table, int contractMajor, IReadOnlyList<string> entityIds)
    {
        var slot = latest.For(table.FeatureName, contractMajor, latest.Generation(table.FeatureName));
        var rows = new List<ValueRow>(entityIds.Count);
        List<string>? misses = null;
        foreach (var entity in entityIds)
        {
            if (!slot.Entries.TryGetValue(entity, out var cached)) (misses ??= []).Add(entity);
            else if (cached.Row is not null) rows.Add(cached.Row);
        }
        if (misses is null) return Sorted(rows);
        using var c = db.Rent();
        if (!tables.Exists(c, table)) return Sorted(rows);
        var found = new Dictionary<string, ValueRow>(StringComparer.Ordinal);
        using (var r = misses.Count == 1
                   ? c.Query(ValueSql.LatestOne(table), contractMajor, misses[0])
                   : c.Query(ValueSql.LatestMany(table), contractMajor, ValueSql.JsonList(misses)))
        {
            while (r.Read()) found[r.GetString(0)] = Row(r);
        }
        foreach (var entity in misses)
        {
            var row = found.GetValueOrDefault(entity);
            latest.Set(slot, entity, row);
            if (row is not null) rows.Add(row);
        }
        return Sorted(rows);
    }

    private static List<ValueRow> Sorted(List<ValueRow> rows)
    {
        if (rows.Count > 1) rows.Sort((a, b) => string.CompareOrdinal(a.EntityId, b.EntityId));
        return rows;
    }

    private static ValueRow Row(DuckDB.NET.Data.DuckDBDataReader r) =>
        new(r.GetString(0), r.GetTimestamp(1), r.GetValueOrNull(2), r.GetString(3), r.GetTimestamp(4));

    /// <summary>
    /// One vector per entity; each value from the cache when the feature has not changed since it was read. The misses
    /// are read one query per member (all its missing entities at once), not one per (member, entity): after a commit
    /// to a member, a vector of 100 entities costs one lookup of that feature's latest table instead of 100.
    /// </summary>
    public IReadOnlyList<LatestValue?[]> LatestVectors(IReadOnlyList<UpstreamInput> members, IReadOnlyList<string> entityIds, CancellationToken ct)
    {
        var vectors = new LatestValue?[entityIds.Count][];
        var slots = new LatestCache.Slot[members.Count];
        for (var i = 0; i < members.Count; i++)
            slots[i] = latest.For(members[i].FeatureName, members[i].ContractMajor, latest.Generation(members[i].FeatureName));
        List<string>?[]? misses = null;
        for (var e = 0; e < entityIds.Count; e++)
        {
            var vector = vectors[e] = new LatestValue?[members.Count];
            for (var i = 0; i < members.Count; i++)
            {
                if (slots[i].Entries.TryGetValue(entityIds[e], out var cached)) vector[i] = cached.Value;
                else ((misses ??= new List<string>?[members.Count])[i] ??= []).Add(entityIds[e]);
            }
        }
        if (misses is null) return vectors;
        ct.ThrowIfCancellationRequested();
        using var c = db.Rent();
        var read = new Dictionary<string, LatestValue?>?[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            if (misses[i] is not { } missing) continue;
            var m = members[i];
            var found = new Dictionary<string, ValueRow>(StringComparer.Ordinal);
            if (tables.Exists(c, m.Table))
            {
                using var r = missing.Count == 1
                    ? c.Query(ValueSql.LatestOne(m.Table), m.ContractMajor, missing[0])
                    : c.Query(ValueSql.LatestMany(m.Table), m.ContractMajor, ValueSql.JsonList(missing.Distinct(StringComparer.Ordinal)));
                while (r.Read()) found[r.GetString(0)] = Row(r);
            }
            var values = read[i] = new Dictionary<string, LatestValue?>(StringComparer.Ordinal);
            foreach (var entity in missing)
                values.TryAdd(entity, latest.Set(slots[i], entity, found.GetValueOrDefault(entity)));
        }
        // Only the misses are filled in: a cached null (the entity has no value) and a read null are both absent.
        for (var e = 0; e < entityIds.Count; e++)
            for (var i = 0; i < members.Count; i++)
                if (read[i] is { } values && values.TryGetValue(entityIds[e], out var value)) vectors[e][i] = value;
        return vectors;
    }

    public ValueStats Stats(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        using var c = db.Rent();
        using var interrupt = ct.Register(c.Interrupt);
        var (relation, args) = tables.CurrentOrEmpty(c, table, contractMajor, from, to, withMeta: false);
        return Stats(c, relation, args, table.DataType);
    }

    public QualityFacts Quality(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to,
        int minHistory, double zScoreThreshold, CancellationToken ct)
    {
        using var c = db.Rent();
        using var interrupt = ct.Register(c.Interrupt);
        var (relation, args) = tables.CurrentOrEmpty(c, table, contractMajor, from, to, withMeta: false);
        var stats = Stats(c, relation, args, table.DataType);
        var thin = new List<EntityCount>();
        using (var r = c.Query($"WITH r AS ({relation}) SELECT entity_id, count(*) FROM r GROUP BY entity_id HAVING count(*) < ? ORDER BY 2, 1 LIMIT 10",
                   [.. args, minHistory]))
        {
            while (r.Read()) thin.Add(new EntityCount(r.GetString(0), r.GetInt64(1)));
        }
        long outliers = 0;
        if (zScoreThreshold > 0 && stats.Std is > 0 && stats.Mean is not null)
        {
            // Population z-scores over the range, as the outlier rule computes them.
            using var r = c.Query($"WITH r AS ({relation}), m AS (SELECT avg(value) AS mu, stddev_pop(value) AS sd FROM r) " +
                                  "SELECT count(*) FROM r, m WHERE m.sd > 0 AND abs(value - m.mu) / m.sd > ?", [.. args, zScoreThreshold]);
            r.Read();
            outliers = r.GetInt64(0);
        }
        return new QualityFacts(stats, thin, outliers);
    }

    /// <summary>Each rule over the stored rows of a range.</summary>
    public IReadOnlyList<RuleMeasure> Measure(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to,
        IReadOnlyList<RuleSpec> rules, CancellationToken ct)
    {
        using var c = db.Rent();
        using var interrupt = ct.Register(c.Interrupt);
        var (relation, args) = tables.CurrentOrEmpty(c, table, contractMajor, from, to, withMeta: false);
        return rules.Select(r => RuleSql.Measure(c, relation, args, r, hasRowNo: false)).ToList();
    }

    private static ValueStats Stats(DuckDbSession c, string relation, List<object?> args, DataType type)
    {
        using var r = c.Query(ValueSql.Stats($"({relation}) AS r", type), [.. args]);
        r.Read();
        double? D(int i) => r.IsNull(i) ? null : r.GetDouble(i);
        DateTimeOffset? T(int i) => r.IsNull(i) ? null : r.GetTimestamp(i);
        return new ValueStats(r.GetInt64(0), r.GetInt64(1), D(2), D(3), D(4), D(5), D(6), T(7), T(8));
    }
}

internal static class CsvExport
{
    public static Task WriteAsync(IAsyncEnumerable<ValueRow> rows, Stream output, CancellationToken ct) =>
        CsvRows.WriteAsync(["entity_id", "event_ts", "value", "feature_version", "ingested_at"], Rows(rows), output, ct);

    private static async IAsyncEnumerable<object?[]> Rows(IAsyncEnumerable<ValueRow> rows)
    {
        await foreach (var r in rows) yield return [r.EntityId, r.EventTs, r.Value, r.FeatureVersion, r.IngestedAt];
    }
}
