using Registry.Core.Values;

namespace Registry.Api.Infrastructure;

/// <summary>The media types of bodies that carry rows (values, training labels and sets), both ways.</summary>
internal static class FileBodies
{
    public const string Parquet = "application/vnd.apache.parquet";

    /// <summary>The format of a request body by its Content-Type ([Consumes] has already refused any other).</summary>
    public static ValueFormat FormatOf(HttpRequest request) =>
        request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() switch
        {
            "text/csv" => ValueFormat.Csv,
            Parquet => ValueFormat.Parquet,
            _ => ValueFormat.Json,
        };

    /// <summary>Headers of a CSV or Parquet answer, sent as a download named <paramref name="name"/>.</summary>
    public static void Attach(HttpResponse response, ValueFormat format, string name)
    {
        var csv = format == ValueFormat.Csv;
        response.ContentType = csv ? "text/csv; charset=utf-8" : Parquet;
        response.Headers.ContentDisposition = $"attachment; filename=\"{name}.{(csv ? "csv" : "parquet")}\"";
    }
}
