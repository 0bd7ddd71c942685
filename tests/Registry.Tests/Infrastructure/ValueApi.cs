using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Registry.DuckDb;

namespace Registry.Tests.Infrastructure;

/// <summary>Value bodies as pipelines send them: JSON rows, CSV text, Parquet files written by DuckDB itself.</summary>
public static class ValueApi
{
    public static string ValuesUrl(string feature) => $"{FeatureApi.Url}/{feature}/values";

    public static JsonObject Row(string entity, string ts, JsonNode? value) => new() { ["entity_id"] = entity, ["event_ts"] = ts, ["value"] = value };

    public static string Day(int day) => new DateTime(2024, 1, 1, 21, 0, 0, DateTimeKind.Utc).AddDays(day).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static Task<HttpResponseMessage> PostRowsAsync(this HttpClient client, string feature, IEnumerable<JsonObject> rows,
        string? version = null, string query = "")
    {
        var body = new JsonObject { ["rows"] = new JsonArray(rows.Select(r => (JsonNode)r).ToArray()) };
        if (version is not null) body["feature_version"] = version;
        return client.PostAsync(ValuesUrl(feature) + query, HttpJson.Json(body.ToJsonString()));
    }

    public static async Task<JsonNode> IngestAsync(this HttpClient client, string feature, params JsonObject[] rows) =>
        (await (await client.PostRowsAsync(feature, rows)).ExpectAsync(200))!;

    public static Task<HttpResponseMessage> PostCsvAsync(this HttpClient client, string feature, string csv, string query = "") =>
        client.PostAsync(ValuesUrl(feature) + query, new StringContent(csv, Encoding.UTF8, "text/csv"));

    public static Task<HttpResponseMessage> PostParquetAsync(this HttpClient client, string feature, byte[] parquet, string query = "")
    {
        var content = new ByteArrayContent(parquet);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.apache.parquet");
        return client.PostAsync(ValuesUrl(feature) + query, content);
    }

    /// <summary>A Parquet file from a DuckDB SELECT, written by a throwaway in-memory DuckDB.</summary>
    public static byte[] Parquet(string select)
    {
        var file = Path.Combine(Path.GetTempPath(), $"test-{Guid.NewGuid():N}.parquet");
        try
        {
            using (var db = DuckDbDatabase.Open(":memory:"))
            using (var c = db.Rent())
            {
                c.Execute($"COPY ({select}) TO {DuckDbSession.Literal(file)} (FORMAT parquet)");
            }
            return File.ReadAllBytes(file);
        }
        finally { File.Delete(file); }
    }

    public static async Task<JsonArray> ReadValuesAsync(this HttpClient client, string feature, string query = "") =>
        (JsonArray)(await (await client.GetAsync(ValuesUrl(feature) + query)).ExpectAsync(200))!["values"]!;
}
