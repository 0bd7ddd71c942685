using Npgsql;
using Registry.Core.Common;

namespace Registry.Postgres;

/// <summary>
/// PostgreSQL being down, restarting or unreachable (not a bug, not bad input): Npgsql's transient failures, connection
/// exceptions (SQLSTATE class 08), administrator shutdown or a server still starting (57P01-57P03), and the socket
/// errors and timeouts beneath them. The stores leave with Core's <see cref="StoreUnavailableException"/> for these
/// (a 503 with Retry-After), through <see cref="StoreOutages{TStore}"/>.
/// </summary>
public static class PostgresFaults
{
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState is "57P01" or "57P02" or "57P03":
                case NpgsqlException { IsTransient: true }:
                case System.Net.Sockets.SocketException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>The outage as Core's error, having dropped the pool: connections opened before an outage are dead, and recovery should not wait for each to fail.</summary>
    public static StoreUnavailableException? Translate(Exception exception, NpgsqlDataSource dataSource)
    {
        if (!IsUnavailable(exception)) return null;
        dataSource.Clear();
        return Unavailable(exception);
    }

    public static StoreUnavailableException Unavailable(Exception exception) =>
        new("The registry database is unavailable.", "Retry shortly.", exception);
}
