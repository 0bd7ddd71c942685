using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Registry.Core.Features;

namespace Registry.Postgres;

/// <summary>
/// Holds one connection that LISTENs for the definition changes the triggers of migration 0009 notify, and forgets each
/// named definition in <see cref="FeatureDefinitionCache"/>. When the connection is lost the cache stops answering
/// (reads go to PostgreSQL) until the listener is back, since changes made meanwhile were not heard.
/// </summary>
public sealed class FeatureChangeListener(NpgsqlDataSource dataSource, FeatureDefinitionCache cache, ILogger<FeatureChangeListener> logger)
    : BackgroundService
{
    public const string Channel = "registry_feature_changed";

    /// <summary>How long to wait for a notification before checking that the connection is still alive.</summary>
    internal static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(15);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        ChangeListenerLoop.RunAsync(cache, ListenAsync,
            e => e is NpgsqlException or TimeoutException or InvalidOperationException or IOException,
            e => logger.NotificationsLost(e),
            stoppingToken);

    private async Task ListenAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        connection.Notification += (_, e) =>
        {
            // An empty payload is a TRUNCATE: forget everything.
            if (e.Payload.Length == 0) cache.Clear();
            else cache.Forget(e.Payload);
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
            await listen.ExecuteNonQueryAsync(ct);
        // Entries kept before this point may predate changes nobody heard: Connected forgets them before serving.
        cache.Connected(connection.ProcessID);
        logger.Listening(Channel, connection.ProcessID);
        while (true)
        {
            if (!await connection.WaitAsync(IdleCheck, ct))
            {
                // Quiet for a while: make sure the connection is still there (a dead one would never notify).
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(ct);
            }
        }
    }
}

internal static partial class FeatureChangeLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "The definition cache lost its change notifications; definitions are read from PostgreSQL until it reconnects.")]
    public static partial void NotificationsLost(this ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listening for definition changes on {Channel} (backend {Pid}).")]
    public static partial void Listening(this ILogger logger, string channel, int pid);
}
