using System.Globalization;
using System.Text;
using Registry.Core.Features;
using Registry.Core.Training;
using Registry.Core.Values;
using Registry.DuckDb;
using Registry.DuckDb.Training;
using Registry.DuckDb.Values;

namespace Registry.Tests.Training;

/// <summary>
/// The training store's grouped plan (ADR 0043: one ASOF join per group of features, over the group's rows tagged by
/// feature) against the straightforward query it replaced: one ASOF LEFT JOIN per feature against that feature's rows
/// as a read returns them. Generated data in the store's own tables, across several groups and every data type, with
/// label times tying event times, superseded rows (one superseded by a null), nulls, another contract's rows, entities
/// without values, a feature without a table, staleness limits and as_of. Every cell must be identical.
/// </summary>
public sealed class GroupedAsofTests : IDisposable
{
    private static readonly DateTime T0 = new(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DataType[] Types = [DataType.Float, DataType.Integer, DataType.String, DataType.Boolean, DataType.Timestamp];
    private readonly string _dir = Directory.CreateTempSubdirectory("duck-asof-").FullName;
    private readonly DuckDbDatabase _db;

    public GroupedAsofTests() => _db = DuckDbDatabase.Open(Path.Combine(_dir, "values.duckdb"));

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>
    /// Row budgets of the in-memory merge (ADR 0057): the default (every group merged), 0 (every group an ASOF join, ADR
    /// 0043's plan) and a small one (groups cut by their rows, and the larger tables sent to the ASOF join, in one answer).
    /// </summary>
    [Theory]
    [InlineData(11, false, DuckDbTrainingStore.MergeRowBudget)]
    [InlineData(12, true, DuckDbTrainingStore.MergeRowBudget)]
    [InlineData(11, false, 0L)]
    [InlineData(12, true, 0L)]
    [InlineData(13, false, 60L)]
    [InlineData(14, true, 60L)]
    public async Task Answers_exactly_what_one_asof_join_per_feature_answers(int seed, bool withAsOf, long mergeRowBudget)
    {
        var random = new Random(seed);
        // E never has values. "a" is A's case twin (entities are numbered case-sensitively), and two ids carry SQL and
        // escapes: the merge numbers entities in a TEMP table and joins on it, never splicing an id into its SQL.
        string[] entities = ["A", "a", "C'); DROP TABLE temp.main.labels; --", "D\"ü\\\t'", "E"];
        var ingestOne = T0.AddDays(60);
        var ingestTwo = ingestOne.AddHours(1);
        var features = new List<PinnedFeature>();
        using (var c = _db.Rent())
        {
            // 63 features: more than two groups of each of several types, and the last one never written.
            for (var k = 0; k < 63; k++)
            {
                var type = Types[k % Types.Length];
                var name = $"g_{seed}_f{k}";
                var table = new ValueTable(name, ValueTable.DefaultSchema, name, type);
                long? staleness = k % 4 == 1 ? (long)TimeSpan.FromHours(18).TotalMicroseconds : null;
                features.Add(new PinnedFeature(name, "1.0.0", 1, table, staleness));
                if (k == 62) continue;
                c.Execute(ValueSql.CreateTables(table));
                using var appender = c.Connection.CreateAppender(table.Schema, table.Table);
                void Append(string entity, DateTime eventTs, object? value, int major, DateTime ingestedAt)
                {
                    var row = appender.CreateRow().AppendValue(entity).AppendValue(eventTs);
                    row = value switch
                    {
                        null => row.AppendNullValue(),
                        double d => row.AppendValue(d),
                        long l => row.AppendValue(l),
                        string s => row.AppendValue(s),
                        bool b => row.AppendValue(b),
                        DateTime t => row.AppendValue(t),
                        _ => throw new InvalidOperationException(),
                    };
                    row.AppendValue("1.0.0").AppendValue(major).AppendValue(ingestedAt).AppendValue(Guid.NewGuid()).EndRow();
                }
                var keys = new HashSet<(string, int)>();
                for (var i = 0; i < random.Next(15, 50); i++)
                {
                    var entity = entities[random.Next(4)];
                    var hour = random.Next(0, 24 * 10) / 6 * 6; // a 6-hour grid: label times tie event times
                    if (!keys.Add((entity, hour))) continue;
                    var eventTs = T0.AddHours(hour);
                    Append(entity, eventTs, random.Next(8) == 0 ? null : Value(type, random), 1, ingestOne);
                    // Superseded by a later ingest: another value, or a null, which a read then returns.
                    if (random.Next(4) == 0) Append(entity, eventTs, random.Next(3) == 0 ? null : Value(type, random), 1, ingestTwo);
                    // Another contract's row at the same key, which no read of contract 1 sees.
                    if (random.Next(5) == 0) Append(entity, eventTs, Value(type, random), 2, ingestTwo);
                }
                appender.Close();
                // A stored string may hold a NUL (CSV and Parquet ingests keep it); DuckDB.NET's appender cannot write one.
                if (type == DataType.String)
                    c.Execute($"UPDATE {ValueSql.Target(table)} SET value = value || chr(0) || 'z' WHERE value LIKE '%5'");
            }
        }
        var labels = Enumerable.Range(0, 500)
            .Select(_ => (entities[random.Next(entities.Length)], new DateTimeOffset(T0.AddHours(random.Next(-9, 24 * 11) / 3 * 3))))
            .ToList();
        DateTimeOffset? asOf = withAsOf ? new DateTimeOffset(ingestOne) : null;

        var store = new DuckDbTrainingStore(_db, StagingArea.For(new ValueStoreOptions { Path = Path.Combine(_dir, "values.duckdb") }), mergeRowBudget);
        var answer = new List<object?[]>();
        await foreach (var row in store.BuildAsync(new LabelSource.List(labels), features, asOf, CancellationToken.None)) answer.Add(row);

        var expected = Straightforward(labels, features, asOf);
        Assert.Equal(labels.Count, answer.Count);
        var nonNull = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            Assert.Equal(labels[i].Item1, answer[i][0]);
            Assert.Equal(labels[i].Item2, answer[i][1]);
            for (var f = 0; f < features.Count; f++)
            {
                Assert.True(Equals(expected[i][f], answer[i][f + 2]),
                    $"label {i} ({labels[i].Item1} at {labels[i].Item2:O}), {features[f].FeatureName}: expected {expected[i][f] ?? "null"}, got {answer[i][f + 2] ?? "null"}");
                if (answer[i][f + 2] is not null) nonNull++;
            }
        }
        // The comparison means something only if most cells hold values and some do not.
        Assert.InRange(nonNull, labels.Count * features.Count / 4, labels.Count * features.Count * 9 / 10);

        // The Parquet export (COPY of the same positional join of the group tables) holds the same cells in the same order.
        Directory.CreateDirectory(StagingArea.For(new ValueStoreOptions { Path = Path.Combine(_dir, "values.duckdb") }).Directory);
        var file = Path.Combine(_dir, "export.parquet");
        await using (var output = File.Create(file))
            await store.ExportAsync(new LabelSource.List(labels), features, asOf, ValueFormat.Parquet, output, CancellationToken.None);
        using var check = _db.Rent();
        using var r = check.Query($"SELECT * FROM read_parquet({DuckDbSession.Literal(file)})");
        Assert.Equal(features.Count + 2, r.FieldCount);
        var read = 0;
        for (; r.Read(); read++)
            for (var f = 0; f < r.FieldCount; f++) Assert.Equal(answer[read][f], r.GetValueOrNull(f));
        Assert.Equal(labels.Count, read);
    }

    /// <summary>The reference: the labels in a table, one ASOF LEFT JOIN per feature against its rows as a read returns them.</summary>
    private List<object?[]> Straightforward(List<(string, DateTimeOffset)> labels, List<PinnedFeature> features, DateTimeOffset? asOf)
    {
        using var c = _db.Rent();
        c.Execute("CREATE TEMP TABLE ref_labels (row_no BIGINT, entity_id VARCHAR, ts TIMESTAMP)");
        using (var appender = c.Connection.CreateAppender("temp", "main", "ref_labels"))
        {
            long n = 0;
            foreach (var (entity, ts) in labels) appender.CreateRow().AppendValue(n++).AppendValue(entity).AppendValue(ts.UtcDateTime).EndRow();
        }
        var select = new StringBuilder("SELECT l.row_no");
        var joins = new StringBuilder();
        var args = new List<object?>();
        for (var k = 0; k < features.Count; k++)
        {
            var f = features[k];
            var exists = c.Scalar<long>("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", f.Table.Schema, f.Table.Table) > 0;
            string source;
            if (exists)
            {
                var (sql, a) = ValueSql.Current(f.Table, f.ContractMajor, null, null, asOf, null, withMeta: false);
                source = sql;
                args.AddRange(a);
            }
            else source = ValueSql.Empty(f.Table.DataType);
            joins.Append(CultureInfo.InvariantCulture, $" ASOF LEFT JOIN ({source}) j{k} ON l.entity_id = j{k}.entity_id AND l.ts >= j{k}.event_ts");
            if (f.MaxStalenessMicros is { } limit)
                select.Append(CultureInfo.InvariantCulture, $", CASE WHEN epoch_us(l.ts) - epoch_us(j{k}.event_ts) <= {limit} THEN j{k}.value END");
            else select.Append(CultureInfo.InvariantCulture, $", j{k}.value");
        }
        var rows = new List<object?[]>();
        using (var r = c.Query($"{select} FROM temp.main.ref_labels l{joins} ORDER BY l.row_no", [.. args]))
        {
            while (r.Read()) rows.Add([.. Enumerable.Range(1, features.Count).Select(r.GetValueOrNull)]);
        }
        c.Execute("DROP TABLE temp.main.ref_labels");
        return rows;
    }

    private static object Value(DataType type, Random random) => type switch
    {
        DataType.Float => Math.Round(random.NextDouble() * 100, 3),
        DataType.Integer => (long)random.Next(-1000, 1000),
        DataType.String => "s" + random.Next(1000).ToString(CultureInfo.InvariantCulture),
        DataType.Boolean => random.Next(2) == 0,
        _ => T0.AddMinutes(random.Next(100_000)),
    };
}
