using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// The first half of an ingest: a batch (JSON, CSV, Parquet, or a SQL feature's result) goes to a TEMP table of the
/// request's own connection, typed and checked row by row, before any lock is taken. Nothing is visible to readers
/// until <see cref="ValueWriter"/> commits it; a rejected batch is dropped with its connection's TEMP table.
/// </summary>
internal sealed class ValueStaging(DuckDbDatabase db, ValueStoreOptions options, StagingArea staging, ValueTables tables)
{
    public async Task<IStagedBatch> StageAsync(ValueFormat format, Stream body, DataType dataType, CancellationToken ct)
    {
        var c = db.Rent();
        var stage = "stage_" + Guid.NewGuid().ToString("N");
        string? file = null;
        StagedBatch? batch = null;
        try
        {
            if (format == ValueFormat.Json)
            {
                batch = new StagedBatch(c, stage, null);
                c.Execute(ValueSql.TypedStage(stage, dataType));
                JsonBatchReader reader;
                using (var appender = CheckedAppender.Open(c, "temp", "main", stage, JsonBatchReader.StageColumns(dataType)))
                {
                    reader = new JsonBatchReader(appender, dataType);
                    // Reading the body is the asynchronous part; each buffer's rows are appended as it arrives.
                    await reader.ReadAsync(body, ct);
                    appender.Close();
                }
                batch.RowCount = reader.Rows;
                batch.ErrorCount = reader.ErrorCount;
                batch.ErrorList.AddRange(reader.Errors);
                batch.DeclaredVersion = reader.FeatureVersion;
            }
            else
            {
                file = staging.NewFile("upload", format);
                var csv = format == ValueFormat.Csv;
                // A CSV stage is made in file order (by the direct reader, or one CREATE TABLE AS), so its rowid numbers the rows.
                batch = new StagedBatch(c, stage, file) { RowNo = csv ? ValueSql.RowId : "row_no" };
                if (csv && CsvDirectReader.Reads(dataType))
                {
                    if (await StageDirectAsync(c, batch, body, file, dataType, ct)) return batch;
                }
                else await Uploads.SpoolAsync(body, file, format, null, ct);
                var what = Uploads.What(format);
                string stagingSql;
                if (csv)
                {
                    // Sniffed once; the staging then reads with the dialect found instead of sniffing the file again.
                    var layout = Uploads.Read(file, format, () => Uploads.SniffCsv(c, file));
                    CheckColumns(layout.Columns, what);
                    stagingSql = ValueSql.Stage(stage, layout.Source(file), dataType, SourceType.Text, SourceType.Text, rowNumber: null);
                }
                else
                {
                    var columns = Uploads.Read(file, format, () => CheckColumns(c, Uploads.Source(file, format), what));
                    SourceType Kind(string column) => columns[column] == "TIMESTAMP" ? SourceType.Timestamp : SourceType.Other;
                    // Parquet numbers its rows itself, which is cheaper than a window over the scan; CheckColumns has
                    // already refused any column besides the three, so the extra one cannot clash with the file's own.
                    stagingSql = ValueSql.Stage(stage, $"read_parquet({DuckDbSession.Literal(file)}, file_row_number = true)", dataType,
                        Kind("event_ts"), Kind("value"), rowNumber: "file_row_number");
                }
                using (ct.Register(c.Interrupt))
                    Uploads.Read(file, format, () => c.Execute(stagingSql));
                ReadStageErrors(c, batch, dataType, csvLines: csv);
            }
            if (batch.ErrorCount == 0) CheckDuplicates(c, batch);
            return batch;
        }
        catch
        {
            if (batch is not null) await batch.DisposeAsync();
            else
            {
                c.Dispose();
                if (file is not null) File.Delete(file);
            }
            throw;
        }
    }

    /// <summary>
    /// Spools a CSV body and parses it on the way into the stage (<see cref="CsvDirectReader"/>, ADR 0048). True when
    /// the stage is complete and checked; false when the reader declined the body: the stage is dropped again, and the
    /// spooled file is staged by DuckDB's reader, which has the last word on anything unusual.
    /// </summary>
    private static async Task<bool> StageDirectAsync(DuckDbSession c, StagedBatch batch, Stream body, string file, DataType dataType, CancellationToken ct)
    {
        c.Execute($"CREATE TEMP TABLE {ValueSql.Q(batch.Stage)} (entity_id VARCHAR, event_ts TIMESTAMP, value {ValueSql.ColumnType(dataType)})");
        CsvDirectReader reader;
        using (var writer = new StageChunkWriter(c, batch.Stage, integer: dataType == DataType.Integer))
        {
            reader = new CsvDirectReader(writer, dataType);
            await Uploads.SpoolAsync(body, file, ValueFormat.Csv, reader, ct);
            if (!reader.Declined) writer.Close();
        }
        if (reader.Declined)
        {
            c.Execute($"DROP TABLE {ValueSql.Temp(batch.Stage)}");
            return false;
        }
        // Every row was read as DuckDB's path would read it, and none has an error: only the duplicates remain to check.
        File.Delete(file);
        batch.RowCount = reader.Rows;
        CheckDuplicates(c, batch);
        return true;
    }

    /// <summary>A SQL feature's result over [from, to), under the SQL limits (ADR 0019), staged like an upload.</summary>
    public IStagedBatch StageQuery(string sql, IReadOnlyList<UpstreamInput> upstream, DataType dataType,
        DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var c = db.Rent();
        var batch = new StagedBatch(c, "stage_" + Guid.NewGuid().ToString("N"), null);
        try
        {
            var (source, args) = tables.QuerySource(c, sql, upstream, from, to, inlineMajor: false);
            SqlLimits.Run(c, options, () =>
            {
                CheckColumns(c, source, "The SQL's result", args);
                c.Execute(ValueSql.Stage(batch.Stage, source, dataType), [.. args]);
            }, ct);
            ReadStageErrors(c, batch, dataType, csvLines: false);
            if (batch.ErrorCount == 0) CheckDuplicates(c, batch);
            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>Each rule over the staged rows, numbered as the client sent them.</summary>
    public static IReadOnlyList<RuleMeasure> Measure(IStagedBatch batch, IReadOnlyList<RuleSpec> rules)
    {
        var b = (StagedBatch)batch;
        var relation = $"SELECT {b.RowNo} AS row_no, entity_id, event_ts, value FROM {ValueSql.Temp(b.Stage)}";
        return rules.Select(r => RuleSql.Measure(b.Connection, relation, [], r, hasRowNo: true)).ToList();
    }

    /// <summary>Checks the source has the three columns (and, unless it is a query's result, no other); returns each column's type.</summary>
    private static Dictionary<string, string> CheckColumns(DuckDbSession c, string source, string what, List<object?>? args = null)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        // DuckDB.NET prepares every statement; binding a file reader reads the file (a Parquet footer, a CSV's sample),
        // which DESCRIBE then does once.
        using (var r = c.Query($"DESCRIBE SELECT * FROM {source}", [.. args ?? []]))
            while (r.Read()) types[r.GetString(0)] = r.GetString(1);
        CheckColumns(types.Keys, what, query: args is not null);
        return types;
    }

    /// <summary>
    /// The three columns must be there; an upload may have no other (a query's result may: only the three are read).
    /// <paramref name="names"/> in the source's order, which the message keeps.
    /// </summary>
    private static void CheckColumns(IEnumerable<string> names, string what, bool query = false)
    {
        string[] required = ["entity_id", "event_ts", "value"];
        var missing = required.Where(n => !names.Contains(n)).ToList();
        var extra = names.Where(n => !required.Contains(n)).ToList();
        if (missing.Count == 0 && (extra.Count == 0 || query)) return;
        var message = $"{what} must have the columns entity_id, event_ts and value" +
                      (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "") +
                      (extra.Count > 0 && !query ? $"; unknown: {string.Join(", ", extra)}" : "") + ".";
        if (query) throw new RuleViolationException("The SQL's result has the wrong columns.", message);
        throw InvalidInputException.For("body", message);
    }

    private static void ReadStageErrors(DuckDbSession c, StagedBatch batch, DataType type, bool csvLines)
    {
        using (var r = c.Query(ValueSql.StageErrorCount(batch.Stage)))
        {
            r.Read();
            batch.ErrorCount = r.GetInt64(0);
            batch.RowCount = r.GetInt64(1);
        }
        if (batch.ErrorCount == 0) return;
        using var e = c.Query(ValueSql.StageErrors(batch.Stage, batch.RowNo));
        while (e.Read())
        {
            var row = e.GetInt64(0);
            var where = csvLines ? $" (CSV line {row + 2})" : "";
            string? Raw(int i) => e.IsNull(i) ? null : e.GetString(i);
            var (field, message) = e.GetString(1) switch
            {
                "entity_id" => ("entity_id", "entity_id is required."),
                "entity_id_length" => ("entity_id", "entity_id is at most 256 characters."),
                "event_ts" => ("event_ts", Raw(2) is { } ts ? $"event_ts '{Clip(ts)}' is not {ValueSql.Expected(DataType.Timestamp)}." : "event_ts is required."),
                "value_underflow" => ("value", $"value '{Clip(Raw(3) ?? "")}' is too small for a double: it would be stored as 0. Send 0, or rescale the feature."),
                _ => ("value", $"value '{Clip(Raw(3) ?? "")}' is not {ValueSql.Expected(type)}."),
            };
            batch.ErrorList.Add(new RowError(row, field, message + where));
        }
    }

    private static void CheckDuplicates(DuckDbSession c, StagedBatch batch)
    {
        // Counting repeated keys is one hash aggregate; listing them with their rows in order costs twice as much over
        // a million rows, so the list is built only when there may be something to list.
        using (var n = c.Query(ValueSql.DuplicateCount(batch.Stage)))
        {
            n.Read();
            if (n.GetInt64(0) == 0) return;
        }
        using var r = c.Query(ValueSql.Duplicates(batch.Stage, batch.RowNo));
        while (r.Read())
        {
            batch.ErrorCount = r.GetInt64(3);
            batch.ErrorList.Add(new RowError(-1, "rows",
                $"Rows for entity '{Clip(r.GetString(0))}' at {r.GetString(1)} appear more than once in the batch; send one value per (entity_id, event_ts)."));
        }
    }

    internal static string Clip(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
