using System.Text;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>
/// CSV bodies through the API since they are parsed as they arrive (ADR 0048): the plain shape read directly, and
/// anything unusual, even far into a body already partly read, staged by DuckDB's reader as before.
/// </summary>
public sealed class CsvIngestTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    private async Task<string> FeatureAsync(string name, string dataType = "float")
    {
        await _client.CreateAsync(FeatureApi.Minimal(name, dataType: dataType), allowExisting: true);
        return name;
    }

    private static string Rows(int from, int to, string newLine = "\n") => string.Concat(Enumerable.Range(from, to - from)
        .Select(i => FormattableString.Invariant($"E{i % 50},{new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i):yyyy-MM-dd'T'HH:mm:ss'Z'},{i * 0.25}{newLine}")));

    [Fact]
    public async Task A_body_arriving_in_small_pieces_lands_whole()
    {
        var f = await FeatureAsync("csv_pieces");
        var csv = "\uFEFFentity_id,event_ts,value\r\n" + Rows(0, 5_000, "\r\n");
        var response = await _client.PostAsync(ValuesUrl(f), new PiecewiseCsv(Encoding.UTF8.GetBytes(csv), 13));
        var result = (await response.ExpectAsync(200))!;
        Assert.Equal(5_000, (long)result["rows_written"]!);
        var e7 = await _client.ReadValuesAsync(f, "?entity_id=E7&limit=1000");
        Assert.Equal(100, e7.Count);
        Assert.Equal(1.75, (double)e7[0]!["value"]!);
        Assert.Equal("2024-01-01T00:07:00Z", (string)e7[0]!["event_ts"]!);
    }

    [Fact]
    public async Task A_bad_value_far_into_a_plain_body_is_a_400_naming_its_row_and_line_and_nothing_is_stored()
    {
        var f = await FeatureAsync("csv_bad_far");
        // Chunks of rows were already appended when the bad one arrives.
        var csv = "entity_id,event_ts,value\n" + Rows(0, 4_000) + "X,2024-02-01T00:00:00Z,abc\n" + Rows(4_001, 6_000);
        var problem = await (await _client.PostCsvAsync(f, csv)).ExpectProblemAsync(400);
        var message = (string)problem["errors"]!["rows[4000].value"]![0]!;
        Assert.Contains("value 'abc' is not a finite number", message, StringComparison.Ordinal);
        Assert.Contains("(CSV line 4002)", message, StringComparison.Ordinal);
        Assert.Equal(1, (long)problem["invalid_rows"]!);
        Assert.Empty(await _client.ReadValuesAsync(f));
    }

    [Fact]
    public async Task A_bad_event_time_in_an_integer_feature_is_a_400_naming_it()
    {
        var f = await FeatureAsync("csv_bad_int", "integer");
        var problem = await (await _client.PostCsvAsync(f, "entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,1\nB,2024-01-02T00:00:00Z,1.5\nC,2024-02-30,3\n"))
            .ExpectProblemAsync(400);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["rows[1].value", "rows[2].event_ts"], errors.Select(e => e.Key));
        Assert.Contains("(CSV line 4)", (string)errors["rows[2].event_ts"]![0]!, StringComparison.Ordinal);
        Assert.Empty(await _client.ReadValuesAsync(f));

        await (await _client.PostCsvAsync(f, "entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,-7\nB,2024-01-02T00:00:00Z,\n")).ExpectAsync(200);
        Assert.Equal([-7L, null], (await _client.ReadValuesAsync(f)).Select(v => (long?)v!["value"]));
    }

    [Fact]
    public async Task A_quoted_field_after_thousands_of_plain_rows_is_read_by_duckdb_with_every_row()
    {
        var f = await FeatureAsync("csv_quoted_late");
        var csv = "entity_id,event_ts,value\n" + Rows(0, 3_000) + "\"Q,1\",2024-03-01T00:00:00Z,\"2.5\"\n" + Rows(3_001, 3_500);
        var result = (await (await _client.PostCsvAsync(f, csv)).ExpectAsync(200))!;
        Assert.Equal(3_500, (long)result["rows_written"]!);
        var all = await _client.ReadValuesAsync(f, "?limit=5000");
        Assert.Contains(all, v => (string)v!["entity_id"]! == "Q,1" && (double)v["value"]! == 2.5);
    }

    [Fact]
    public async Task An_empty_line_is_read_as_duckdbs_reader_reads_it()
    {
        var f = await FeatureAsync("csv_empty_line");
        var result = (await (await _client.PostCsvAsync(f, "entity_id,event_ts,value\nA,2024-01-02T00:00:00Z,1\n\nB,2024-01-02T00:00:00Z,2\n")).ExpectAsync(200))!;
        Assert.Equal(2, (long)result["rows_written"]!);
        Assert.Equal([("A", 1.0), ("B", 2.0)], (await _client.ReadValuesAsync(f)).Select(v => ((string)v!["entity_id"]!, (double)v["value"]!)));
    }

    [Fact]
    public async Task The_forms_of_instants_and_numbers_pipelines_send_are_stored_as_written()
    {
        var f = await FeatureAsync("csv_forms");
        await (await _client.PostCsvAsync(f, """
            event_ts,value,entity_id
            2024-01-02T21:00:00Z,185.64,A
            2024-01-02 21:00:00,-1e-3,B
            2024-01-02T23:30:00.5+02:30,0,C
            2024-01-02,1.5E+2,D

            """)).ExpectAsync(200);
        var values = await _client.ReadValuesAsync(f);
        Assert.Equal([("A", "2024-01-02T21:00:00Z", 185.64), ("B", "2024-01-02T21:00:00Z", -0.001), ("C", "2024-01-02T21:00:00.5Z", 0.0), ("D", "2024-01-02T00:00:00Z", 150.0)],
            values.Select(v => ((string)v!["entity_id"]!, (string)v["event_ts"]!, (double)v["value"]!)).OrderBy(v => v.Item1));
    }

    /// <summary>A body written <paramref name="piece"/> bytes at a time, each flushed: many small reads on the server.</summary>
    private sealed class PiecewiseCsv(byte[] body, int piece) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var at = 0; at < body.Length; at += piece)
            {
                await stream.WriteAsync(body.AsMemory(at, Math.Min(piece, body.Length - at)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
            return false;
        }
    }
}
