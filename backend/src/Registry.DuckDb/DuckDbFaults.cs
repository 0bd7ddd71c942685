using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Registry.Core.Common;

namespace Registry.DuckDb;

/// <summary>
/// The value store's own outage errors become the one Core error the API answers with 503: DuckDB could not read or
/// write its file (disk full, file gone or unreadable), or invalidated the database after such an error. Recognised by
/// DuckDB's error type, not by message text. And the three ways a value-store call runs (see DuckDbValueStore).
/// </summary>
internal static class DuckDbFaults
{
    public static bool IsOutage(Exception e) => e is DuckDBException d && IsOutage(d.ErrorType, d.Message);

    /// <summary>The same test on an error read from DuckDB's C API (a <see cref="NativeResult"/>).</summary>
    public static bool IsOutage(DuckDBErrorType type, string message) =>
        type is DuckDBErrorType.Io or DuckDBErrorType.Fatal
        // A statement after the invalidation is refused at prepare time, where DuckDB.NET gives no type.
        || message.Contains("database has been invalidated", StringComparison.Ordinal);

    public static StoreUnavailableException Translate(Exception e) =>
        new("The values database is unavailable.", "Its file cannot be read or written; an operator has to look (see /health/ready).", e);

    /// <summary>For <see cref="StoreOutages"/>: the outage as Core's error, or null.</summary>
    public static StoreUnavailableException? TranslateAny(Exception e) => e is DuckDBException d && IsOutage(d) ? Translate(d) : null;

    /// <summary>Work that is asynchronous in part (a body read, a lock wait, a file copy).</summary>
    public static async Task<T> Guard<T>(Func<Task<T>> work)
    {
        try { return await work(); }
        catch (DuckDBException e) when (IsOutage(e)) { throw Translate(e); }
    }

    public static async Task Guard(Func<Task> work)
    {
        try { await work(); }
        catch (DuckDBException e) when (IsOutage(e)) { throw Translate(e); }
    }

    public static IAsyncEnumerable<T> Guard<T>(IAsyncEnumerable<T> rows, CancellationToken ct = default) =>
        StoreOutages.Stream(rows, TranslateAny, ct);

    /// <summary>Statements that may run long: on the thread pool, not on the caller's; the work wires the token to DuckDB's interrupt.</summary>
    public static async Task<TResult> Offload<TResult>(Func<TResult> work, CancellationToken ct)
    {
        try { return await Task.Run(work, ct); }
        catch (DuckDBException e) when (IsOutage(e)) { throw Translate(e); }
    }

    /// <summary>Point lookups of microseconds: run where they are called, and return a completed task.</summary>
    public static Task<TResult> Inline<TResult>(Func<TResult> work)
    {
        try { return Task.FromResult(work()); }
        catch (DuckDBException e) when (IsOutage(e)) { return Task.FromException<TResult>(Translate(e)); }
        catch (Exception e) { return Task.FromException<TResult>(e); }
    }
}
