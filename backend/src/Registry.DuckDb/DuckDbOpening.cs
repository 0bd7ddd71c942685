namespace Registry.DuckDb;

/// <summary>
/// The values database, opened on a thread of its own from the moment the store is registered (ADR 0050). Opening the file
/// (migrations check, catalog, WAL replay) took about 0.7 s of a 2 s start on this machine; done beside the rest of the
/// start (the container, MVC, the registry store's migrations, Kestrel) instead of before it, the API answers sooner, and
/// the first use waits only for what is left. Readiness says "opening" until it is done, and the reason if it failed.
/// </summary>
public sealed class DuckDbOpening : IDisposable
{
    private readonly Task<DuckDbDatabase> _open;
    private int _disposed;

    /// <remarks>On a thread of its own, not the pool's: in the first moments the pool has as many threads as cores, and an
    /// open holding one while requests block on it starved the pool (thread injection is slow) on a loaded machine.</remarks>
    public DuckDbOpening(Func<DuckDbDatabase> open) =>
        _open = Task.Factory.StartNew(open, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Opened and usable.</summary>
    public bool IsOpen => _open.IsCompletedSuccessfully;

    /// <summary>Why the open failed, or null (still opening, or open).</summary>
    public Exception? Failure => _open.IsFaulted ? _open.Exception!.GetBaseException() : null;

    /// <summary>Completes when the open has succeeded or failed (it never throws).</summary>
    public Task Completion => _open.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>
    /// The database, waiting for the open if it is still running. Blocking is deliberate: it happens only to the requests
    /// of the first moments that need values, on the container's singleton resolution, which has no asynchronous form.
    /// A failed open throws its own exception here, on every use (and readiness reports it).
    /// </summary>
    public DuckDbDatabase Database
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            return _open.GetAwaiter().GetResult();
        }
    }

    /// <summary>Closes (checkpoints) the database, waiting for an open still under way so that the file is never left half open.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { _open.Wait(); }
        catch (AggregateException) { return; } // nothing was opened
        _open.Result.Dispose();
    }
}
