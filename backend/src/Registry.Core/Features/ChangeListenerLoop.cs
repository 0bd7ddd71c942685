namespace Registry.Core.Features;

/// <summary>
/// The loop both registry stores' change listeners run (PostgreSQL LISTEN, MongoDB change stream): listen until the
/// feed breaks, stop the cache answering, retry with backoff, and stop it answering for good when the loop ends,
/// since nothing will be heard any more (ADR 0016).
/// </summary>
public static class ChangeListenerLoop
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(5);

    /// <param name="cache">The definitions the feed keeps exact.</param>
    /// <param name="listen">Opens the feed, calls <see cref="FeatureDefinitionCache.Connected"/> and forwards changes until it fails.</param>
    /// <param name="isTransient">A failure of the feed worth retrying; anything else ends the listener.</param>
    /// <param name="lost">Told once each time a feed that was working is lost (the cache was live).</param>
    /// <param name="stoppingToken">The host stopping.</param>
    public static async Task RunAsync(FeatureDefinitionCache cache, Func<CancellationToken, Task> listen, Func<Exception, bool> isTransient,
        Action<Exception> lost, CancellationToken stoppingToken)
    {
        var delay = FirstRetry;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await listen(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (isTransient(e))
                {
                    if (cache.IsLive)
                    {
                        lost(e);
                        delay = FirstRetry; // it was working: retry soon
                    }
                    cache.Disconnected();
                }

                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestRetry.Ticks));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping while waiting to retry
        }
        finally
        {
            // However the loop ends, nothing will be heard any more: the cache must stop answering.
            cache.Disconnected();
        }
    }
}
