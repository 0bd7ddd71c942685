using System.Text.RegularExpressions;
using MongoDB.Driver;

namespace Registry.MongoDb;

/// <summary>
/// What MongoDB's exceptions mean in registry terms: a duplicate key (the store turns it into a 409), a write conflict
/// (retried, then a 409), and the server being unreachable or without a primary (a 503 with Retry-After, as for PostgreSQL).
/// </summary>
public static partial class MongoFaults
{
    public const int DuplicateKeyCode = 11000;
    public const int WriteConflictCode = 112;

    /// <summary>The server is down, unreachable, stepping down or still electing a primary: retrying later will work.</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // Server selection found no usable server in time (the driver throws a plain TimeoutException).
                case TimeoutException:
                case MongoConnectionException:
                case MongoNotPrimaryException:
                case MongoNodeIsRecoveringException:
                case System.Net.Sockets.SocketException:
                    return true;
                case MongoCommandException c when c.Code is 91 /* ShutdownInProgress */ or 189 /* PrimarySteppedDown */
                    or 11600 /* InterruptedAtShutdown */ or 11602 /* InterruptedDueToReplStateChange */ or 10107 /* NotWritablePrimary */
                    or 13435 /* NotPrimaryNoSecondaryOk */ or 13436 /* NotPrimaryOrSecondary */:
                    return true;
            }
        }
        return false;
    }

    /// <summary>The outage as Core's error (a 503 with Retry-After), or null when the exception is not one.</summary>
    public static Registry.Core.Common.StoreUnavailableException? Translate(Exception exception) =>
        IsUnavailable(exception) ? new("The registry database is unavailable.", "Retry shortly.", exception) : null;

    /// <summary>A unique index refused the write: the name of that index (e.g. "_id_", "duckdb_table_1"), else null.</summary>
    public static string? DuplicateKeyIndex(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var duplicate = e switch
            {
                MongoWriteException w => w.WriteError?.Category == ServerErrorCategory.DuplicateKey,
                MongoBulkWriteException b => b.WriteErrors.Any(x => x.Category == ServerErrorCategory.DuplicateKey),
                MongoCommandException c => c.Code == DuplicateKeyCode,
                _ => false,
            };
            if (duplicate) return IndexName().Match(e.Message) is { Success: true } m ? m.Groups[1].Value : "";
        }
        return null;
    }

    public static bool IsDuplicateKey(Exception exception) => DuplicateKeyIndex(exception) is not null;

    /// <summary>Another transaction wrote the same document first (WriteConflict, or any error labelled transient).</summary>
    public static bool IsWriteConflict(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is MongoException m && m.HasErrorLabel("TransientTransactionError") && !IsUnavailable(m)) return true;
            if (e is MongoCommandException { Code: WriteConflictCode }) return true;
        }
        return false;
    }

    [GeneratedRegex(@"index: (\S+) dup key")]
    private static partial Regex IndexName();
}
