using System.Buffers;
using DuckDB.NET.Data;
using Registry.Core.Common;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// CSV and Parquet request bodies, for value ingest and training labels alike: DuckDB reads them from files, so the
/// body is streamed to one (never held in memory whole), and DuckDB's complaints about it are the client's 400.
/// </summary>
internal static class Uploads
{
    /// <summary>
    /// Streams the body to <paramref name="file"/> in the staging area (0600); the caller deletes it. A CSV body is
    /// checked on the way for a quoted field that never closes (<see cref="CsvQuotes"/>), and given, line by line, to
    /// <paramref name="direct"/> if there is one, which parses it while the rest of the body arrives.
    /// </summary>
    public static async Task SpoolAsync(Stream body, string file, ValueFormat format, CsvDirectReader? direct, CancellationToken ct)
    {
        var quotes = format == ValueFormat.Csv ? new CsvQuotes() : null;
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            await using (var fs = StagingArea.Create(file))
            {
                // buffer[..kept] is the start of a line the reader has not finished; new bytes go after it.
                var kept = 0;
                int n;
                while ((n = await body.ReadAsync(buffer.AsMemory(kept), ct)) > 0)
                {
                    quotes?.Scan(buffer.AsSpan(kept, n));
                    // The file write runs while the reader parses the same bytes (it only reads them).
                    var write = fs.WriteAsync(buffer.AsMemory(kept, n), ct);
                    var filled = kept + n;
                    int used;
                    try { used = direct is { Declined: false } ? direct.Feed(buffer.AsSpan(0, filled), final: false) : filled; }
                    finally { await write; }
                    kept = filled - used;
                    // No line of the shape the reader takes is anywhere near this long.
                    if (kept == buffer.Length) direct!.Decline("a line longer than the read buffer");
                    if (direct is not { Declined: false }) kept = 0;
                    buffer.AsSpan(used, kept).CopyTo(buffer);
                }
                direct?.Feed(buffer.AsSpan(0, kept), final: true);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (new FileInfo(file).Length == 0) throw InvalidInputException.For("body", "The body is empty.");
        quotes?.End();
    }

    public static string What(ValueFormat format) => format == ValueFormat.Csv ? "CSV" : "Parquet";

    /// <summary>The file as a relation: CSV all as text (types are checked row by row later), Parquet as typed.</summary>
    public static string Source(string file, ValueFormat format) => format == ValueFormat.Csv
        ? $"read_csv({DuckDbSession.Literal(file)}, header = true, all_varchar = true)"
        : $"read_parquet({DuckDbSession.Literal(file)})";

    /// <summary>
    /// Sniffs a CSV upload once, with the options <see cref="Source"/> reads it with: binding an auto-detecting
    /// read_csv sniffs the file again each time, so a check of its columns followed by the read cost two sniffs.
    /// </summary>
    public static CsvLayout SniffCsv(DuckDbSession c, string file)
    {
        string? delimiter = null, quote = null, escape = null, newLine = null, comment = null;
        long skip = 0;
        var columns = new List<string>();
        using var r = c.Query($"""
            SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, unnest(list_transform(Columns, x -> x.name))
            FROM sniff_csv({DuckDbSession.Literal(file)}, header = true, all_varchar = true)
            """);
        while (r.Read())
        {
            (delimiter, quote, escape, newLine, comment, skip) = (r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5));
            columns.Add(r.GetString(6));
        }
        return new CsvLayout(Unset(delimiter), Unset(quote), Unset(escape), Unset(newLine), Unset(comment), skip, columns);
    }

    /// <summary>sniff_csv reports an option it found no character for (no quotes in the file, say) as "(empty)".</summary>
    private static string Unset(string? option) => option is null or "(empty)" ? "" : option;

    public static void Read(string file, ValueFormat format, Action action) => Read(file, format, () => { action(); return 0; });

    /// <summary>Runs a read of the upload; DuckDB's message about a bad file is useful to the client, the server's temp path is not.</summary>
    public static T Read<T>(string file, ValueFormat format, Func<T> action)
    {
        try { return action(); }
        catch (DuckDBException e)
        {
            var what = What(format);
            var message = e.Message.Replace(file, $"the {what} body", StringComparison.Ordinal);
            var cut = message.IndexOf("\n\n", StringComparison.Ordinal);
            throw InvalidInputException.For("body", $"The body is not a readable {what} file: {(cut > 0 ? message[..cut] : message)}");
        }
    }
}

/// <summary>What sniff_csv found in a CSV upload: its dialect and its header's column names, in file order.</summary>
internal sealed record CsvLayout(string Delimiter, string Quote, string Escape, string NewLine, string Comment, long Skip, IReadOnlyList<string> Columns)
{
    /// <summary>
    /// The file as a relation of text columns, read with exactly the dialect the sniffer found (what an auto-detecting
    /// read_csv would use) but without sniffing again. Only for a header already checked: the names and the dialect's
    /// characters become quoted literals (options of a table function's binding, like the path).
    /// </summary>
    public string Source(string file)
    {
        static string L(string s) => DuckDbSession.Literal(s);
        var columns = string.Join(", ", Columns.Select(n => $"{L(n)}: 'VARCHAR'"));
        return $"read_csv({L(file)}, auto_detect = false, header = true, delim = {L(Delimiter)}, quote = {L(Quote)}, escape = {L(Escape)}, " +
               $"new_line = {L(NewLine)}, comment = {L(Comment)}, skip = {Skip.ToString(System.Globalization.CultureInfo.InvariantCulture)}, columns = {{{columns}}})";
    }
}
