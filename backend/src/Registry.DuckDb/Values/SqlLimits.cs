using DuckDB.NET.Native;
using DuckDB.NET.Data;
using System.Globalization;
using System.Text.RegularExpressions;
using Registry.Core.Common;

namespace Registry.DuckDb.Values;

/// <summary>
/// Runs a SQL feature's statements under their bounds (ADR 0019): a time limit that interrupts the query (DuckDB then
/// frees what it held) and the engine's memory limit. DuckDB's complaints about the client's SQL become 422 problems
/// whose text names the limit or the mistake, never a host path; anything else stays an error of the server.
/// </summary>
internal static partial class SqlLimits
{
    public const string TimeoutSetting = "DuckDb:SqlTimeout";
    public const string MemorySetting = "DuckDb:MemoryLimit";

    public static void Run(DuckDbSession c, ValueStoreOptions options, CancellationToken ct, Action action)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(options.SqlTimeout);
        try
        {
            using (limit.Token.Register(c.Interrupt)) action();
        }
        // DuckDB.NET reports an interrupted statement as OperationCanceledException, whichever token asked for it.
        catch (Exception e) when (e is DuckDBException or OperationCanceledException)
        {
            ct.ThrowIfCancellationRequested();
            if (limit.IsCancellationRequested)
                throw new RuleViolationException("The SQL feature ran past its time limit.",
                    $"DuckDB stopped it after {options.SqlTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s ({TimeoutSetting}). " +
                    "Narrow the range with from and to, or simplify the query.")
                {
                    Extensions = new Dictionary<string, object?> { ["limit"] = TimeoutSetting, ["limit_value"] = options.SqlTimeout.ToString("c", CultureInfo.InvariantCulture) },
                };
            if (e is DuckDBException d && Map(d, options) is { } problem) throw problem;
            throw;
        }
    }

    /// <summary>The client's problem for an error its SQL caused, or null for an error of the server.</summary>
    public static RegistryException? Map(DuckDBException e, ValueStoreOptions options)
    {
        var kind = Kind(e);
        if (kind == DuckDBErrorType.OutOfMemory)
            return new RuleViolationException("The SQL feature needs more memory than the value store allows.",
                $"DuckDB stopped it at its memory limit of {options.MemoryLimit} ({MemorySetting}), shared by every query of the store. " +
                "Narrow the range with from and to, or simplify the query.")
            {
                Extensions = new Dictionary<string, object?> { ["limit"] = MemorySetting, ["limit_value"] = options.MemoryLimit },
            };
        if (kind == DuckDBErrorType.Permission)
            // Whatever the path was, the answer is the same: saying which paths exist would be an oracle.
            return new RuleViolationException("The SQL reaches outside the registry.",
                "SQL features read only their upstream features; files, URLs, extensions and the engine's settings are out of reach.");
        return ClientKinds.Contains(kind) ? new RuleViolationException("The SQL failed in DuckDB.", Redact(e.Message)) : null;
    }

    private static readonly HashSet<DuckDBErrorType> ClientKinds =
    [
        DuckDBErrorType.Binder, DuckDBErrorType.Catalog, DuckDBErrorType.Parser, DuckDBErrorType.Conversion, DuckDBErrorType.InvalidInput,
        DuckDBErrorType.OutOfRange, DuckDBErrorType.NotImplemented, DuckDBErrorType.Constraint, DuckDBErrorType.Dependency,
        DuckDBErrorType.Syntax, DuckDBErrorType.DivideByZero, DuckDBErrorType.MismatchType, DuckDBErrorType.ParameterNotResolved,
    ];

    /// <summary>
    /// The error's kind. DuckDB.NET carries DuckDB's error type for errors while a statement runs, but not for those while
    /// it is prepared (parser and binder errors), where the kind is only the message's first words ("Binder Error: …").
    /// </summary>
    internal static DuckDBErrorType Kind(DuckDBException e)
    {
        if (e.ErrorType != DuckDBErrorType.Invalid) return e.ErrorType;
        var colon = e.Message.IndexOf(" Error:", StringComparison.Ordinal);
        if (colon <= 0) return DuckDBErrorType.Invalid;
        var words = e.Message[..colon].Replace(" ", "", StringComparison.Ordinal);
        return Enum.TryParse<DuckDBErrorType>(words, ignoreCase: true, out var parsed) ? parsed : DuckDBErrorType.Invalid;
    }

    /// <summary>DuckDB's first line, without any quoted path or URL (its own or a staged upload's).</summary>
    internal static string Redact(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        line = QuotedPath().Replace(line, m => $"{m.Value[0]}<path>{m.Value[0]}");
        return line.Length <= 500 ? line : line[..500] + "…";
    }

    [GeneratedRegex("""(["'])(?:/|~|\\\\|[A-Za-z]:[\\/]|[A-Za-z][A-Za-z0-9+.-]*://)[^"']*\1""")]
    private static partial Regex QuotedPath();
}
