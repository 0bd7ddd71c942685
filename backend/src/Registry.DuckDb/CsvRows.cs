using System.Globalization;
using System.Text;

namespace Registry.DuckDb;

/// <summary>
/// RFC 4180 CSV written a block at a time with async writes (ASP.NET Core forbids synchronous writes to a response).
/// Instants are ISO 8601 UTC, like the JSON answers.
/// </summary>
internal static class CsvRows
{
    public static async Task WriteAsync(IReadOnlyList<string> header, IAsyncEnumerable<object?[]> rows, Stream output, CancellationToken ct)
    {
        var sb = new StringBuilder(string.Join(',', header.Select(Field))).Append('\n');
        await foreach (var row in rows.WithCancellation(ct))
        {
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(Field(Text(row[i])));
            }
            sb.Append('\n');
            if (sb.Length > 1 << 16) await FlushAsync(sb, output, ct);
        }
        await FlushAsync(sb, output, ct);
    }

    private static async Task FlushAsync(StringBuilder sb, Stream output, CancellationToken ct)
    {
        await output.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()), ct);
        sb.Clear();
    }

    public static string Instant(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);

    private static string Text(object? v) => v switch
    {
        null => "",
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        DateTimeOffset t => Instant(t),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private static string Field(string s) =>
        s.AsSpan().IndexOfAny(",\"\n\r") < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
