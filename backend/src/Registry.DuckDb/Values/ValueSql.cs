using Registry.Core.Features;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// The SQL of the value store. Identifiers are validated before they get here (feature names, schema.table) and are
/// always quoted; every value is a bound parameter. Text varies only by which filters are present.
/// </summary>
internal static class ValueSql
{
    public const string LatestSchema = "registry_latest";

    public static string Q(string identifier) => DuckDbSession.Quote(identifier);

    public static string Target(ValueTable t) => $"{Q(t.Schema)}.{Q(t.Table)}";

    /// <summary>
    /// A TEMP table of the connection, by catalog and schema: a bare "temp.x" is ambiguous as soon as the values
    /// database has a schema named temp, and no name a client chose must ever shadow the store's own objects (ADR 0019).
    /// </summary>
    public static string Temp(string table) => $"temp.main.{Q(table)}";

    /// <summary>One small table per feature: the newest value per (entity, contract major), kept in the ingest's transaction.</summary>
    public static string Latest(ValueTable t) => $"{Q(LatestSchema)}.{Q(t.FeatureName)}";

    public static string ColumnType(DataType type) => type switch
    {
        DataType.Float => "DOUBLE",
        DataType.Integer => "BIGINT",
        DataType.String => "VARCHAR",
        DataType.Boolean => "BOOLEAN",
        DataType.Timestamp => "TIMESTAMP",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>
    /// The feature's value table and its latest-value table. DuckDB looks rows up through an index only when the index
    /// has a single column: the two-column primary key keeps (entity, major) unique but does not serve lookups, so
    /// without the entity_id index every latest read scans the whole table, one row per entity. Its name holds a
    /// '#', which no feature name can, so it never clashes with another feature's table.
    /// </summary>
    public static string CreateTables(ValueTable t) => $"""
        CREATE SCHEMA IF NOT EXISTS {Q(t.Schema)};
        CREATE TABLE IF NOT EXISTS {Target(t)} (
            entity_id       VARCHAR   NOT NULL,
            event_ts        TIMESTAMP NOT NULL,
            value           {ColumnType(t.DataType)},
            feature_version VARCHAR   NOT NULL,
            contract_major  INTEGER   NOT NULL,
            ingested_at     TIMESTAMP NOT NULL,
            batch_id        UUID      NOT NULL
        );
        CREATE SCHEMA IF NOT EXISTS {Q(LatestSchema)};
        CREATE TABLE IF NOT EXISTS {Latest(t)} (
            entity_id       VARCHAR   NOT NULL,
            contract_major  INTEGER   NOT NULL,
            event_ts        TIMESTAMP NOT NULL,
            value           {ColumnType(t.DataType)},
            feature_version VARCHAR   NOT NULL,
            ingested_at     TIMESTAMP NOT NULL,
            PRIMARY KEY (entity_id, contract_major)
        );
        CREATE INDEX IF NOT EXISTS {Q(t.FeatureName + "#entity")} ON {Latest(t)} (entity_id);
        """;

    /// <summary>What occupies schema.name in the values database: TABLE or VIEW (nothing else can be created there).</summary>
    public const string ObjectType = """
        SELECT CASE WHEN table_type = 'VIEW' THEN 'VIEW' ELSE 'TABLE' END FROM information_schema.tables
        WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?
        """;

    /// <summary>
    /// The rows a read sees: for each (entity, event time) of one contract major, the row ingested last (up to as_of).
    /// Parameters in order: contract_major, [from], [to], [as_of], [entity ids as a JSON array].
    /// </summary>
    public static (string Sql, List<object?> Args) Current(ValueTable t, int major, DateTimeOffset? from, DateTimeOffset? to,
        DateTimeOffset? asOf, IReadOnlyList<string>? entities, bool withMeta = true)
    {
        var args = new List<object?> { major };
        var where = "contract_major = ?";
        if (from is { } f) { where += " AND event_ts >= ?"; args.Add(f); }
        if (to is { } tt) { where += " AND event_ts < ?"; args.Add(tt); }
        if (asOf is { } a) { where += " AND ingested_at <= ?"; args.Add(a); }
        if (entities is { Count: 1 }) { where += " AND entity_id = ?"; args.Add(entities[0]); }
        else if (entities is { Count: > 1 }) { where += " AND list_contains(from_json(?::JSON, '[\"VARCHAR\"]'), entity_id)"; args.Add(JsonList(entities)); }
        var meta = withMeta ? ", feature_version, ingested_at" : "";
        return ($"""
            SELECT entity_id, event_ts, value{meta} FROM {Target(t)}
            WHERE {where}
            {NewestIngest}
            """, args);
    }

    /// <summary>For each (entity, event time), the row ingested last: the one a read returns.</summary>
    public const string NewestIngest = "QUALIFY row_number() OVER (PARTITION BY entity_id, event_ts ORDER BY ingested_at DESC) = 1";

    /// <summary>A relation with a feature's three columns and no rows: a feature without a table yet.</summary>
    public static string Empty(DataType type) =>
        $"SELECT NULL::VARCHAR AS entity_id, NULL::TIMESTAMP AS event_ts, NULL::{ColumnType(type)} AS value WHERE false";

    public static string JsonList(IEnumerable<string> values) => System.Text.Json.JsonSerializer.Serialize(values);

    /// <summary>The 0-based position of each row in a source whose scan keeps the input's order.</summary>
    public const string RowNumber = "row_number() OVER () - 1";

    /// <summary>
    /// How a stage table made by one CREATE TABLE AS in the source's order numbers its rows without a row_no column:
    /// DuckDB keeps insertion order (preserve_insertion_order, on by default), so the table's rowid is the position in
    /// the source, from 0. It costs nothing, where the window of <see cref="RowNumber"/> took about 45 % of the staging of
    /// 1 M CSV rows (it ran the whole statement on one core).
    /// </summary>
    public const string RowId = "rowid";

    /// <summary>
    /// The instants .NET (and JSON) can represent: DuckDB accepts years up to 294,247, which would come back from a
    /// read as garbage. Applied wherever an instant enters from outside (event times, timestamp values, label times).
    /// </summary>
    public const string RepresentableInstant = "BETWEEN TIMESTAMP '0001-01-01 00:00:00' AND TIMESTAMP '9999-12-31 23:59:59.999999'";

    /// <summary>What a value of each data type must be, as every ingest path words it.</summary>
    public static string Expected(DataType type) => type switch
    {
        DataType.Float => "a finite number",
        DataType.Integer => "an integer between -9223372036854775808 and 9223372036854775807",
        DataType.String => "a string",
        DataType.Boolean => "true or false",
        _ => "an ISO 8601 instant between the years 1 and 9999",
    };

    /// <summary>
    /// Converts any relation with entity_id, event_ts and value columns (CSV text, Parquet types, a query's result) to
    /// the feature's types, keeping the position of each row and why it cannot be stored. <paramref name="eventTs"/>
    /// and <paramref name="valueType"/> are the source's types of those columns, where known, which may allow a
    /// cheaper reading of instants; <paramref name="rowNumber"/> is how the source numbers its rows from 0, or null for
    /// no row_no column (the rows are then numbered by <see cref="RowId"/>).
    /// </summary>
    public static string Stage(string stage, string source, DataType type, SourceType eventTs = SourceType.Other,
        SourceType valueType = SourceType.Other, string? rowNumber = RowNumber)
    {
        var rowNo = rowNumber is null ? "" : "row_no, ";
        var numbered = rowNumber is null ? source : $"(SELECT {rowNumber} AS row_no, entity_id, event_ts, value FROM {source})";
        var t = ColumnType(type);
        var value = type switch
        {
            DataType.Timestamp => Instant("value", valueType),
            DataType.String => "CAST(value AS VARCHAR)",
            _ => $"TRY_CAST(value AS {t})",
        };
        var badValue = type switch
        {
            DataType.Float => "value IS NOT NULL AND (v IS NULL OR NOT isfinite(v))",
            // TRY_CAST rounds 1.5 to 2: a value is an integer only if it reads the same as a double.
            DataType.Integer => "value IS NOT NULL AND (v IS NULL OR TRY_CAST(value AS DOUBLE) IS DISTINCT FROM CAST(v AS DOUBLE))",
            DataType.Timestamp => $"value IS NOT NULL AND (v IS NULL OR v NOT {RepresentableInstant})",
            _ => "value IS NOT NULL AND v IS NULL",
        };
        // Text such as 1e-400 reads as 0: a different number, stored silently. A zero whose digits are not all zero is refused.
        var underflow = type == DataType.Float && valueType == SourceType.Text
            ? @"WHEN v = 0 AND regexp_matches(CAST(value AS VARCHAR), '^\s*[+-]?0*\.?0*[1-9]') THEN 'value_underflow'"
            : "";
        // The raw text is only read for the messages of rejected rows: casting every row's fields back to text
        // and storing them cost a third of the staging of a large, clean batch.
        return $"""
            CREATE TEMP TABLE {Q(stage)} AS
            SELECT {rowNo}e AS entity_id, ts AS event_ts, v AS value, error,
                CASE WHEN error IS NOT NULL THEN CAST(event_ts AS VARCHAR) END AS event_ts_raw,
                CASE WHEN error IS NOT NULL THEN CAST(value AS VARCHAR) END AS value_raw
            FROM (
                SELECT *,
                    CASE WHEN e IS NULL OR length(e) = 0 THEN 'entity_id'
                         WHEN length(e) > 256 THEN 'entity_id_length'
                         WHEN ts IS NULL OR ts NOT {RepresentableInstant} THEN 'event_ts'
                         WHEN {badValue} THEN 'value' {underflow} END AS error
                FROM (
                    SELECT {rowNo}CAST(entity_id AS VARCHAR) AS e,
                        {Instant("event_ts", eventTs)} AS ts,
                        {value} AS v, event_ts, value
                    FROM {numbered}
                )
            )
            """;
    }

    /// <summary>
    /// An instant as a UTC TIMESTAMP: in general through TIMESTAMPTZ, which honours an offset in text and converts
    /// zoned types (the session's zone is UTC, so text without an offset is UTC). That route goes through ICU and costs
    /// about a quarter of a microsecond per row, most of the staging of a large batch, so two common cases skip it:
    /// a TIMESTAMP column is already what the route would return (a round trip through UTC changes nothing), and text
    /// ending in Z reads the same as a TIMESTAMP (the value, or NULL when either rejects it). Any other offset needs
    /// TIMESTAMPTZ, since a TIMESTAMP cast would drop it silently.
    /// </summary>
    private static string Instant(string column, SourceType source) => source switch
    {
        SourceType.Timestamp => column,
        SourceType.Text =>
            $"CASE WHEN ends_with({column}, 'Z') THEN TRY_CAST({column} AS TIMESTAMP) ELSE TRY_CAST(TRY_CAST({column} AS TIMESTAMPTZ) AS TIMESTAMP) END",
        _ => $"TRY_CAST(TRY_CAST({column} AS TIMESTAMPTZ) AS TIMESTAMP)",
    };

    public static string TypedStage(string stage, DataType type) =>
        $"CREATE TEMP TABLE {Q(stage)} (row_no BIGINT, entity_id VARCHAR, event_ts TIMESTAMP, value {ColumnType(type)}, error VARCHAR, event_ts_raw VARCHAR, value_raw VARCHAR)";

    /// <summary><paramref name="rowNo"/>: the stage's row numbers, its row_no column or <see cref="RowId"/>.</summary>
    public static string StageErrors(string stage, string rowNo) =>
        $"SELECT {rowNo}, error, event_ts_raw, value_raw FROM {Q(stage)} WHERE error IS NOT NULL ORDER BY {rowNo} LIMIT 20";

    public static string StageErrorCount(string stage) => $"SELECT count(*) FILTER (WHERE error IS NOT NULL), count(*) FROM {Q(stage)}";

    /// <summary>
    /// Zero when no (entity, event time) key occurs twice in the batch. It counts distinct 64-bit hashes of the keys,
    /// which is cheaper than grouping by the keys themselves (a fifth less over 1 M rows); a non-zero answer is either
    /// a repeated key or, very rarely, two keys with one hash, which <see cref="Duplicates"/> then does not list.
    /// </summary>
    public static string DuplicateCount(string stage) =>
        $"SELECT count(*) - count(DISTINCT hash(entity_id, event_ts)) FROM {Q(stage)}";

    /// <summary>Two rows for one (entity, event time) in one batch would make the batch's meaning depend on row order.</summary>
    public static string Duplicates(string stage, string rowNo) => $"""
        SELECT entity_id, CAST(event_ts AS VARCHAR), list({rowNo} ORDER BY {rowNo})[1:5], count(*) OVER ()
        FROM {Q(stage)} GROUP BY entity_id, event_ts HAVING count(*) > 1 ORDER BY min({rowNo}) LIMIT 5
        """;

    /// <summary>
    /// Whether any row is stored for the contract major in the batch's event-time range (parameters: contract_major,
    /// min and max event time). When none is, every row of the batch is new, and <see cref="Changed"/> would only copy it.
    /// </summary>
    public static string Overlaps(ValueTable t) =>
        $"SELECT EXISTS (SELECT 1 FROM {Target(t)} WHERE contract_major = ? AND event_ts BETWEEN ? AND ?)";

    /// <summary>
    /// The rows of the batch a read would not already return, i.e. new keys or new values. Parameters: contract_major,
    /// min and max event time of the batch.
    /// </summary>
    public static string Changed(string changed, string stage, ValueTable t) => $"""
        CREATE TEMP TABLE {Q(changed)} AS
        SELECT s.entity_id, s.event_ts, s.value FROM {Q(stage)} s
        WHERE NOT EXISTS (
            SELECT 1 FROM (
                SELECT entity_id, event_ts, value FROM {Target(t)}
                WHERE contract_major = ? AND event_ts BETWEEN ? AND ?
                {NewestIngest}
            ) c
            WHERE c.entity_id = s.entity_id AND c.event_ts = s.event_ts AND c.value IS NOT DISTINCT FROM s.value)
        """;

    /// <summary>Writes the rows of <paramref name="rows"/> (the changed rows, or the whole stage). Parameters: feature_version, contract_major, ingested_at, batch_id.</summary>
    public static string Insert(string rows, ValueTable t) => $"""
        INSERT INTO {Target(t)} (entity_id, event_ts, value, feature_version, contract_major, ingested_at, batch_id)
        SELECT entity_id, event_ts, value, ?, ?, ?, CAST(? AS UUID) FROM {Q(rows)}
        """;

    /// <summary>Parameters: contract_major, feature_version, ingested_at. A tie on event time goes to the newer ingest.</summary>
    public static string UpsertLatest(string rows, ValueTable t) => $"""
        INSERT INTO {Latest(t)} AS l (entity_id, contract_major, event_ts, value, feature_version, ingested_at)
        SELECT entity_id, ?, event_ts, value, ?, ? FROM {Q(rows)}
        QUALIFY row_number() OVER (PARTITION BY entity_id ORDER BY event_ts DESC) = 1
        ON CONFLICT (entity_id, contract_major) DO UPDATE SET
            event_ts = excluded.event_ts, value = excluded.value,
            feature_version = excluded.feature_version, ingested_at = excluded.ingested_at
        WHERE excluded.event_ts >= l.event_ts
        """;

    public static string LatestOne(ValueTable t) =>
        $"SELECT entity_id, event_ts, value, feature_version, ingested_at FROM {Latest(t)} WHERE contract_major = ? AND entity_id = ?";

    public static string LatestMany(ValueTable t) => $"""
        SELECT entity_id, event_ts, value, feature_version, ingested_at FROM {Latest(t)}
        WHERE contract_major = ? AND list_contains(from_json(?::JSON, '["VARCHAR"]'), entity_id) ORDER BY entity_id
        """;

    public static string Stats(string relation, DataType type)
    {
        var numeric = type is DataType.Float or DataType.Integer;
        var agg = numeric
            ? "CAST(min(value) AS DOUBLE), CAST(max(value) AS DOUBLE), avg(value), stddev_samp(value)"
            : "NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE";
        return $"""
            SELECT count(*), count(DISTINCT entity_id), avg(CASE WHEN value IS NULL THEN 1.0 ELSE 0.0 END),
                {agg}, min(event_ts), max(event_ts)
            FROM {relation}
            """;
    }
}

/// <summary>What a staged source's column is, as far as reading instants from it goes.</summary>
internal enum SourceType
{
    /// <summary>Any type, or not known.</summary>
    Other,

    /// <summary>VARCHAR: ISO 8601 text.</summary>
    Text,

    /// <summary>TIMESTAMP (without time zone, microseconds), taken as UTC.</summary>
    Timestamp,
}
