using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>Ingest in each format, type errors, idempotency, supersession and as_of, against real PostgreSQL and DuckDB.</summary>
public sealed class IngestTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    private async Task<string> FeatureAsync(string name, string dataType = "float")
    {
        await _client.CreateAsync(FeatureApi.Minimal(name, dataType: dataType));
        return name;
    }

    [Fact]
    public async Task Json_ingest_stamps_the_current_version_and_reads_back_in_order()
    {
        var f = await FeatureAsync("ingest_json_basic");
        var result = await _client.IngestAsync(f, Row("MSFT", Day(1), 370.87), Row("AAPL", Day(2), 184.25), Row("AAPL", Day(1), 185.64));
        Assert.Equal(3, (long)result["rows_received"]!);
        Assert.Equal(3, (long)result["rows_written"]!);
        Assert.Equal(0, (long)result["rows_unchanged"]!);
        Assert.Equal(0, (long)result["rows_rejected"]!);
        Assert.Equal("1.0.0", (string)result["feature_version"]!);
        Assert.Equal(1, (int)result["contract_major"]!);

        var values = await _client.ReadValuesAsync(f);
        Assert.Equal(["AAPL", "AAPL", "MSFT"], values.Select(v => (string)v!["entity_id"]!));
        Assert.Equal(185.64, (double)values[0]!["value"]!);
        Assert.Equal(Day(1), (string)values[0]!["event_ts"]!);
        Assert.Equal("1.0.0", (string)values[0]!["feature_version"]!);
    }

    [Fact]
    public async Task Csv_and_parquet_bodies_land_like_json()
    {
        var f = await FeatureAsync("ingest_formats");
        var csv = await (await _client.PostCsvAsync(f, "entity_id,event_ts,value\nAAPL,2024-01-02T21:00:00Z,1.5\nMSFT,2024-01-02T23:00:00+02:00,\n")).ExpectAsync(200);
        Assert.Equal(2, (long)csv!["rows_written"]!);
        var parquet = await (await _client.PostParquetAsync(f, Parquet(
            "SELECT 'NVDA' AS entity_id, TIMESTAMP '2024-01-03 21:00:00' + to_days(CAST(i AS INTEGER)) AS event_ts, i * 0.5 AS value FROM range(1000) t(i)"))).ExpectAsync(200);
        Assert.Equal(1000, (long)parquet!["rows_written"]!);

        var msft = await _client.ReadValuesAsync(f, "?entity_id=MSFT");
        Assert.Single(msft);
        Assert.Equal("2024-01-02T21:00:00Z", (string)msft[0]!["event_ts"]!); // the offset was honoured
        Assert.Null(msft[0]!["value"]);
        var nvda = await _client.ReadValuesAsync(f, "?entity_id=NVDA&limit=5000");
        Assert.Equal(1000, nvda.Count);
        Assert.Equal(499.5, (double)nvda[999]!["value"]!);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_a_400_naming_the_row_and_nothing_is_written()
    {
        var f = await FeatureAsync("ingest_type_errors", "integer");
        var problem = await (await _client.PostRowsAsync(f, [Row("A", Day(1), 1), Row("A", Day(2), 1.5), Row("B", "yesterday", 3), Row("C", Day(1), "7")]))
            .ExpectProblemAsync(400);
        var errors = problem["errors"]!.AsObject();
        Assert.Contains("rows[1].value", errors.Select(e => e.Key));
        Assert.Contains("rows[2].event_ts", errors.Select(e => e.Key));
        Assert.Contains("rows[3].value", errors.Select(e => e.Key));
        Assert.Equal(3, (long)problem["invalid_rows"]!);
        Assert.Equal(0, (long)problem["rows_written"]!);

        var csv = await (await _client.PostCsvAsync(f, "entity_id,event_ts,value\nA,2024-01-02,1\nB,2024-01-02,x\n")).ExpectProblemAsync(400);
        Assert.Contains("CSV line 3", csv["errors"]!["rows[1].value"]![0]!.ToString());
        Assert.Empty(await _client.ReadValuesAsync(f));
    }

    [Theory]
    [InlineData("""{"rows": [{"entity_id": "A", "event_ts": "2024-01-02T00:00:00Z", "value": 1, "extra": 2}]}""", "rows[0].extra")]
    [InlineData("""{"rows": [{"event_ts": "2024-01-02T00:00:00Z", "value": 1}]}""", "rows[0].entity_id")]
    [InlineData("""{"rows": [{"entity_id": "A", "event_ts": "2024-01-02T00:00:00Z"}]}""", "rows[0].value")]
    [InlineData("""{"rows": {"entity_id": "A"}}""", "rows")]
    [InlineData("""{"rowz": []}""", "rowz")]
    [InlineData("""{"rows": [1, 2]}""", "rows[0].row")]
    [InlineData("""{"rows": [{"entity_id": "A", "event_ts": "2024-01-02T00:00:00Z", "value": 1}""", "body")]
    [InlineData("""[]""", "body")]
    [InlineData("""{}""", "rows")]
    [InlineData("""{"rows": [{"entity_id": "A", "event_ts": "2024-01-02T00:00:00Z", "value": 1}, {"entity_id": "A", "event_ts": "2024-01-02T00:00:00Z", "value": 2}]}""", "rows")]
    public async Task Malformed_json_bodies_are_400s_naming_the_field(string body, string field)
    {
        var f = await FeatureAsync($"ingest_bad_{Math.Abs(body.GetHashCode()) % 100000}");
        var problem = await (await _client.PostAsync(ValuesUrl(f), HttpJson.Json(body))).ExpectProblemAsync(400);
        Assert.Contains(field, problem["errors"]!.AsObject().Select(e => e.Key));
    }

    [Theory]
    [InlineData("entity_id,event_ts,value\r\nA,2024-01-02T00:00:00Z,1.5\r\nB,2024-01-03T00:00:00Z,2\r\n")]
    [InlineData("\uFEFFentity_id,event_ts,value\nA,2024-01-02T00:00:00Z,1.5\nB,2024-01-03T00:00:00Z,2\n")]
    [InlineData("value,event_ts,entity_id\n1.5,2024-01-02T00:00:00Z,A\n2,2024-01-03T00:00:00Z,B")]
    [InlineData("entity_id;event_ts;value\nA;2024-01-02T00:00:00Z;1.5\nB;2024-01-03T00:00:00Z;2\n")]
    [InlineData("entity_id\tevent_ts\tvalue\r\nA\t2024-01-02T00:00:00Z\t1.5\r\nB\t2024-01-03T00:00:00Z\t2\r\n")]
    public async Task Csv_line_ends_a_bom_another_column_order_or_delimiter_read_the_same(string csv)
    {
        // The CSV is sniffed once and read with the dialect found: CRLF, a UTF-8 BOM, a reordered header, no final
        // line end, ';' or tab between fields.
        var f = await FeatureAsync($"ingest_csv_dialect_{Math.Abs(csv.GetHashCode()) % 100000}");
        Assert.Equal(2, (long)(await (await _client.PostCsvAsync(f, csv)).ExpectAsync(200))!["rows_written"]!);
        var values = await _client.ReadValuesAsync(f);
        Assert.Equal([("A", "2024-01-02T00:00:00Z", 1.5), ("B", "2024-01-03T00:00:00Z", 2.0)],
            values.Select(v => ((string)v!["entity_id"]!, (string)v["event_ts"]!, (double)v["value"]!)));
    }

    [Fact]
    public async Task Quoted_csv_fields_keep_their_commas_and_quotes()
    {
        var f = await FeatureAsync("ingest_csv_quoted", "string");
        await (await _client.PostCsvAsync(f,
            "\"entity_id\",\"event_ts\",\"value\"\n\"A,1\",\"2024-01-02T00:00:00Z\",\"say \"\"hi\"\", then go\"\nB,2024-01-02T00:00:00Z,plain\n")).ExpectAsync(200);
        var values = await _client.ReadValuesAsync(f);
        Assert.Equal([("A,1", "say \"hi\", then go"), ("B", "plain")], values.Select(v => ((string)v!["entity_id"]!, (string)v["value"]!)));
    }

    [Fact]
    public async Task Csv_errors_name_their_lines_across_a_file_read_in_parallel()
    {
        var f = await FeatureAsync("ingest_csv_far_lines");
        // About 15 MiB: DuckDB splits the file between threads, and row numbers must carry across the pieces.
        var csv = new System.Text.StringBuilder("entity_id,event_ts,value\n");
        for (var i = 0; i < 450_000; i++)
            csv.Append(i switch { 3 => "E3,2024-01-02T00:00:00Z,three\n", 440_000 => "E440000,not a time,1\n", _ => FormattableString.Invariant($"E{i},2024-01-02T00:00:00Z,{i}\n") });
        var problem = await (await _client.PostCsvAsync(f, csv.ToString())).ExpectProblemAsync(400);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["rows[3].value", "rows[440000].event_ts"], errors.Select(e => e.Key));
        Assert.Contains("(CSV line 5)", errors["rows[3].value"]![0]!.ToString(), StringComparison.Ordinal);
        Assert.Contains("(CSV line 440002)", errors["rows[440000].event_ts"]![0]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, (long)problem["invalid_rows"]!);
    }

    [Fact]
    public async Task A_malformed_csv_line_beyond_the_sniffed_sample_is_a_400_naming_it()
    {
        var f = await FeatureAsync("ingest_csv_ragged");
        var csv = new System.Text.StringBuilder("entity_id,event_ts,value\n");
        for (var i = 0; i < 30_000; i++) csv.Append(FormattableString.Invariant($"E{i},2024-01-02T00:00:00Z,{i}\n"));
        csv.Append("B,2024-01-02T00:00:00Z,2,3\n");
        var problem = await (await _client.PostCsvAsync(f, csv.ToString())).ExpectProblemAsync(400);
        var message = problem["errors"]!["body"]![0]!.ToString();
        Assert.StartsWith("The body is not a readable CSV file", message, StringComparison.Ordinal);
        Assert.Contains("Line: 30002", message, StringComparison.Ordinal);
        Assert.DoesNotContain("/tmp", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(await _client.ReadValuesAsync(f));
    }

    [Theory]
    [InlineData("entity_id,event_ts\nA,2024-01-01\n", "missing: value")]
    [InlineData("entity_id,event_ts,value,other\nA,2024-01-01,1,2\n", "unknown: other")]
    [InlineData("entity_id,event_ts,value,value\nA,2024-01-01,1,2\n", "unknown: value_1")]
    [InlineData("value;other\n1;2\n", "missing: entity_id, event_ts; unknown: other")]
    [InlineData("", "empty")]
    public async Task Csv_with_the_wrong_columns_is_a_400(string csv, string expected)
    {
        var f = await FeatureAsync($"ingest_csv_cols_{Math.Abs(csv.GetHashCode()) % 100000}");
        var problem = await (await _client.PostCsvAsync(f, csv)).ExpectProblemAsync(400);
        Assert.Contains(expected, problem["errors"]!["body"]![0]!.ToString());
        Assert.DoesNotContain("/tmp", problem.ToJsonString());
    }

    [Fact]
    public async Task Garbage_parquet_is_a_400_and_an_unknown_content_type_a_415()
    {
        var f = await FeatureAsync("ingest_garbage");
        await (await _client.PostParquetAsync(f, "not parquet at all"u8.ToArray())).ExpectProblemAsync(400);
        var problem = await (await _client.PostAsync(ValuesUrl(f), new StringContent("x", System.Text.Encoding.UTF8, "text/plain"))).ExpectProblemAsync(415);
        Assert.Equal(["application/json", "text/csv", "application/vnd.apache.parquet"], problem["accepted_media_types"]!.AsArray().Select(t => (string)t!));
    }

    [Fact]
    public async Task Posting_the_same_batch_twice_changes_no_read()
    {
        var f = await FeatureAsync("ingest_idempotent");
        JsonObject[] batch = [Row("A", Day(1), 1.0), Row("A", Day(2), 2.0), Row("B", Day(1), null)];
        await _client.IngestAsync(f, batch);
        var before = (await _client.ReadValuesAsync(f)).ToJsonString();
        var latestBefore = await LatestWithoutAgeAsync(f);

        var again = await _client.IngestAsync(f, batch.Select(r => (JsonObject)r.DeepClone()).ToArray());
        Assert.Equal(0, (long)again["rows_written"]!);
        Assert.Equal(3, (long)again["rows_unchanged"]!);
        Assert.Equal(before, (await _client.ReadValuesAsync(f)).ToJsonString());
        Assert.Equal(latestBefore, await LatestWithoutAgeAsync(f));
    }

    /// <summary>The latest values without age_seconds, which grows with the clock.</summary>
    private async Task<string> LatestWithoutAgeAsync(string f)
    {
        var values = (await (await _client.GetAsync($"{ValuesUrl(f)}/latest?entity_id=A&entity_id=B")).ExpectAsync(200))!["values"]!.AsArray();
        foreach (var v in values) v!.AsObject().Remove("age_seconds");
        return values.ToJsonString();
    }

    [Fact]
    public async Task A_new_value_supersedes_for_later_reads_while_as_of_sees_what_was_known()
    {
        var f = await FeatureAsync("ingest_supersede");
        var first = await _client.IngestAsync(f, Row("A", Day(1), 1.0), Row("A", Day(2), 2.0));
        var knownThen = (string)first["ingested_at"]!;
        await Task.Delay(5);
        var second = await _client.IngestAsync(f, Row("A", Day(2), 20.0), Row("A", Day(3), 3.0));
        Assert.Equal(2, (long)second["rows_written"]!);

        var now = await _client.ReadValuesAsync(f);
        Assert.Equal([1.0, 20.0, 3.0], now.Select(v => (double)v!["value"]!));
        var then = await _client.ReadValuesAsync(f, $"?as_of={Uri.EscapeDataString(knownThen)}");
        Assert.Equal([1.0, 2.0], then.Select(v => (double)v!["value"]!));
        var before = await _client.ReadValuesAsync(f, "?as_of=2000-01-01T00:00:00Z");
        Assert.Empty(before);

        var latest = await (await _client.GetAsync($"{ValuesUrl(f)}/latest?entity_id=A")).ExpectAsync(200);
        Assert.Equal(3.0, (double)latest!["values"]![0]!["value"]!);
        Assert.Equal(Day(3), (string)latest["values"]![0]!["event_ts"]!);
    }

    [Fact]
    public async Task Reads_filter_by_entity_and_range_and_export_csv_and_parquet()
    {
        var f = await FeatureAsync("read_filters");
        await _client.IngestAsync(f, Enumerable.Range(0, 10).SelectMany(d => new[] { Row("A", Day(d), d), Row("B", Day(d), -d) }).ToArray());
        var ranged = await _client.ReadValuesAsync(f, $"?entity_id=B&from={Day(2)}&to={Day(5)}");
        Assert.Equal([-2.0, -3.0, -4.0], ranged.Select(v => (double)v!["value"]!));
        Assert.Equal(3, (await _client.ReadValuesAsync(f, "?limit=3")).Count);

        var csv = await _client.GetAsync($"{ValuesUrl(f)}?format=csv&entity_id=A&to={Day(2)}");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.Equal("entity_id,event_ts,value,feature_version,ingested_at", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"A,{Day(1).Replace("Z", "", StringComparison.Ordinal)}", lines[2], StringComparison.Ordinal);

        var parquet = await _client.GetAsync($"{ValuesUrl(f)}?format=parquet");
        var bytes = await parquet.Content.ReadAsByteArrayAsync();
        var file = Path.Combine(api.ValuesDirectory, "read-back.parquet");
        await File.WriteAllBytesAsync(file, bytes);
        using var db = Registry.DuckDb.DuckDbDatabase.Open(":memory:");
        using var c = db.Rent();
        using var r = c.Query($"SELECT count(*), sum(value) FROM read_parquet({Registry.DuckDb.DuckDbSession.Literal(file)})");
        r.Read();
        Assert.Equal(20, r.GetInt64(0));
        Assert.Equal(0, r.GetDouble(1));
    }

    [Fact]
    public async Task Every_data_type_round_trips()
    {
        foreach (var (type, value, bad) in new (string, JsonNode, JsonNode)[]
                 {
                     ("integer", 9007199254740993L, 1.5), ("string", "buy", 3), ("boolean", true, "true"),
                     ("timestamp", "2024-01-02T03:04:05.123456Z", "soon"), ("float", 0.1, "0.1"),
                 })
        {
            var f = await FeatureAsync($"types_{type}", type);
            await _client.IngestAsync(f, Row("A", Day(1), value.DeepClone()));
            var read = await _client.ReadValuesAsync(f);
            Assert.Equal(value.ToJsonString(), read[0]!["value"]!.ToJsonString());
            await (await _client.PostRowsAsync(f, [Row("A", Day(2), bad.DeepClone())])).ExpectProblemAsync(400);
        }
    }

    [Fact]
    public async Task A_NUL_in_a_string_value_is_refused_in_JSON_and_kept_whole_in_CSV()
    {
        var f = await FeatureAsync("ingest_nul", "string");
        // The JSON path writes through DuckDB.NET's appender, which cut the value at the NUL and reported success.
        var problem = await (await _client.PostRowsAsync(f, [Row("A", Day(1), "x\0y'); DROP TABLE t; --")])).ExpectProblemAsync(400);
        Assert.Contains("NUL", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(await _client.ReadValuesAsync(f));

        await (await _client.PostCsvAsync(f, "entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,\"x\0y\"\n")).ExpectAsync(200);
        Assert.Equal("x\0y", (string)(await _client.ReadValuesAsync(f))[0]!["value"]!);
    }

    [Fact]
    public async Task Two_rows_for_one_entity_and_instant_are_a_400_and_nothing_is_written()
    {
        var f = await FeatureAsync("ingest_duplicates");
        // One instant written two ways (Z, and an offset) is one key.
        var problem = await (await _client.PostCsvAsync(f,
            "entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,1\nB,2024-01-02T00:00:00Z,2\nA,2024-01-02T02:00:00+02:00,3\n")).ExpectProblemAsync(400);
        Assert.Contains("appear more than once", problem["errors"]!["rows"]![0]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, (long)problem["invalid_rows"]!);
        Assert.Empty(await _client.ReadValuesAsync(f));
    }

    [Fact]
    public async Task Parquet_errors_name_rows_by_their_position_in_the_file()
    {
        var f = await FeatureAsync("ingest_parquet_errors");
        // 150,000 rows: two row groups, so positions must carry across them.
        var problem = await (await _client.PostParquetAsync(f, Parquet("""
            SELECT CASE WHEN i = 140000 THEN NULL ELSE 'A' END AS entity_id, TIMESTAMP '2024-01-01' + to_minutes(CAST(i AS BIGINT)) AS event_ts,
                   CASE WHEN i = 5 THEN 'NaN'::DOUBLE ELSE i END AS value
            FROM range(150000) t(i)
            """))).ExpectProblemAsync(400);
        var errors = problem["errors"]!.AsObject().Select(e => e.Key).ToList();
        Assert.Equal(["rows[5].value", "rows[140000].entity_id"], errors);
    }

    [Fact]
    public async Task Timestamp_values_in_csv_honour_their_offsets()
    {
        var f = await FeatureAsync("ingest_csv_instants", "timestamp");
        await (await _client.PostCsvAsync(f,
            "entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,2024-01-02T03:04:05Z\nB,2024-01-02T00:00:00+01:00,2024-01-02T05:04:05+02:00\n")).ExpectAsync(200);
        var values = await _client.ReadValuesAsync(f);
        Assert.Equal(["2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"], values.Select(v => (string)v!["value"]!));
        Assert.Equal(["2024-01-02T00:00:00Z", "2024-01-01T23:00:00Z"], values.Select(v => (string)v!["event_ts"]!));
    }

    [Fact]
    public async Task Parquet_instants_are_utc_whether_the_file_has_time_zones_or_not()
    {
        var f = await FeatureAsync("ingest_parquet_instants", "timestamp");
        await (await _client.PostParquetAsync(f, Parquet("""
            SELECT * FROM (VALUES ('A', TIMESTAMP '2024-01-02 00:00:00', TIMESTAMP '2024-01-02 03:04:05'),
                                  ('B', TIMESTAMP '2024-01-02 00:00:00', NULL)) v(entity_id, event_ts, value)
            """))).ExpectAsync(200);
        await (await _client.PostParquetAsync(f, Parquet("""
            SELECT 'C' AS entity_id, TIMESTAMPTZ '2024-01-02 01:00:00+01' AS event_ts, TIMESTAMPTZ '2024-01-02 05:04:05+02' AS value
            """))).ExpectAsync(200);
        var values = await _client.ReadValuesAsync(f);
        Assert.Equal(["2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z"], values.Select(v => (string)v!["event_ts"]!));
        Assert.Equal(["2024-01-02T03:04:05Z", null, "2024-01-02T03:04:05Z"], values.Select(v => (string?)v!["value"]));
    }

    [Fact]
    public async Task Batches_for_a_later_or_an_earlier_period_keep_the_latest_values_right()
    {
        var f = await FeatureAsync("ingest_periods");
        await _client.IngestAsync(f, Row("A", Day(1), 1.0), Row("A", Day(2), 2.0));
        // Nothing stored falls in either batch's time range.
        Assert.Equal(2, (long)(await _client.IngestAsync(f, Row("A", Day(3), 3.0), Row("B", Day(3), 30.0)))["rows_written"]!);
        Assert.Equal(2, (long)(await _client.IngestAsync(f, Row("A", Day(0), 0.5), Row("C", Day(0), 5.0)))["rows_written"]!);

        Assert.Equal([0.5, 1.0, 2.0, 3.0], (await _client.ReadValuesAsync(f, "?entity_id=A")).Select(v => (double)v!["value"]!));
        var latest = (await (await _client.GetAsync($"{ValuesUrl(f)}/latest?entity_id=A&entity_id=B&entity_id=C")).ExpectAsync(200))!["values"]!.AsArray();
        Assert.Equal([("A", 3.0), ("B", 30.0), ("C", 5.0)], latest.Select(v => ((string)v!["entity_id"]!, (double)v["value"]!)));
    }

    [Fact]
    public async Task Unknown_features_versions_and_bad_parameters_are_problems()
    {
        await (await _client.PostRowsAsync("no_such_feature", [Row("A", Day(1), 1)])).ExpectProblemAsync(404);
        var f = await FeatureAsync("ingest_params");
        await (await _client.PostRowsAsync(f, [Row("A", Day(1), 1)], query: "?feature_version=9.9.9")).ExpectProblemAsync(422);
        await (await _client.PostRowsAsync(f, [Row("A", Day(1), 1)], query: "?feature_version=nope")).ExpectProblemAsync(400);
        await (await _client.PostRowsAsync(f, [Row("A", Day(1), 1)], query: "?validation_policy=lenient")).ExpectProblemAsync(400);
        await (await _client.GetAsync($"{ValuesUrl(f)}?limit=0")).ExpectProblemAsync(400);
        await (await _client.GetAsync($"{ValuesUrl(f)}?from={Day(2)}&to={Day(1)}")).ExpectProblemAsync(400);
        await (await _client.GetAsync($"{ValuesUrl(f)}?format=xml")).ExpectProblemAsync(400);
        await (await _client.GetAsync($"{ValuesUrl(f)}/latest")).ExpectProblemAsync(400);
        await (await _client.GetAsync($"{ValuesUrl(f)}?version=2.0.0")).ExpectProblemAsync(422);
        await (await _client.GetAsync($"{ValuesUrl("Bad-Name")}")).ExpectProblemAsync(400);
        // A feature without values reads as empty, not as an error.
        Assert.Empty(await _client.ReadValuesAsync(f));
        var latest = await (await _client.GetAsync($"{ValuesUrl(f)}/latest?entity_id=A")).ExpectAsync(200);
        Assert.Equal(["A"], latest!["missing_entities"]!.AsArray().Select(e => (string)e!));
    }

    [Fact]
    public async Task Instants_beyond_the_year_9999_are_refused_not_stored_as_garbage()
    {
        var f = await FeatureAsync("ingest_far_future");
        var problem = await (await _client.PostCsvAsync(f, "entity_id,event_ts,value\nA,294247-01-10T04:00:54Z,1\n")).ExpectProblemAsync(400);
        Assert.Contains("rows[0].event_ts", problem["errors"]!.AsObject().Select(e => e.Key));
        await (await _client.PostParquetAsync(f, Parquet("SELECT 'A' AS entity_id, TIMESTAMP '12000-01-01 00:00:00' AS event_ts, 1.0 AS value")))
            .ExpectProblemAsync(400);
        var ts = await FeatureAsync("ingest_far_future_ts", "timestamp");
        await (await _client.PostCsvAsync(ts, "entity_id,event_ts,value\nA,2024-01-01T00:00:00Z,20000-01-01T00:00:00Z\n")).ExpectProblemAsync(400);
        Assert.Empty(await _client.ReadValuesAsync(f));
        Assert.Empty(await _client.ReadValuesAsync(ts));
        // The edges themselves are fine.
        await (await _client.PostCsvAsync(f, "entity_id,event_ts,value\nA,9999-12-31T23:59:59Z,1\nA,0001-01-01T00:00:00Z,2\n")).ExpectAsync(200);
    }
}
