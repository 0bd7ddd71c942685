using Registry.Core.Common;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// CSV and Parquet request bodies, for value ingest and training labels alike: DuckDB reads them from files, so the
/// body is streamed to one (never held in memory whole), and DuckDB's complaints about it are the client's 400.
/// </summary>
internal static class Uploads
{
    /// <summary>The spool file for an upload; the caller deletes it.</summary>
    public static string PathFor(ValueStoreOptions options, string name, ValueFormat format)
    {
        Directory.CreateDirectory(options.TempDirectory);
        return Path.Combine(options.TempDirectory, $"{name}.{(format == ValueFormat.Csv ? "csv" : "parquet")}");
    }

    public static async Task SpoolAsync(Stream body, string file, CancellationToken ct)
    {
        await using (var fs = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            await body.CopyToAsync(fs, 1 << 16, ct);
        if (new FileInfo(file).Length == 0) throw InvalidInputException.For("body", "The body is empty.");
    }

    public static string What(ValueFormat format) => format == ValueFormat.Csv ? "CSV" : "Parquet";

    /// <summary>The file as a relation: CSV all as text (types are checked row by row later), Parquet as typed.</summary>
    public static string Source(string file, ValueFormat format) => format == ValueFormat.Csv
        ? $"read_csv({DuckDbConnection.Literal(file)}, header = true, all_varchar = true)"
        : $"read_parquet({DuckDbConnection.Literal(file)})";

    public static void Read(string file, ValueFormat format, Action action) => Read(file, format, () => { action(); return 0; });

    /// <summary>Runs a read of the upload; DuckDB's message about a bad file is useful to the client, the server's temp path is not.</summary>
    public static T Read<T>(string file, ValueFormat format, Func<T> action)
    {
        try { return action(); }
        catch (DuckDbException e)
        {
            var what = What(format);
            var message = e.Message.Replace(file, $"the {what} body", StringComparison.Ordinal);
            var cut = message.IndexOf("\n\n", StringComparison.Ordinal);
            throw InvalidInputException.For("body", $"The body is not a readable {what} file: {(cut > 0 ? message[..cut] : message)}");
        }
    }
}
