using System.Threading.Channels;
using Registry.Core.Common;

namespace Registry.Core.Usage;

/// <summary>How concurrent usage requests are grouped into transactions (configuration section <c>Usage</c>, ADR 0040).</summary>
public sealed class UsageGroupOptions
{
    public const string Section = "Usage";

    /// <summary>
    /// The most records one group writes. A request is never split: a batch larger than this still goes, alone.
    /// </summary>
    public int MaxGroupRecords { get; set; } = 1000;

    /// <summary>Requests waiting for their group; when it is full, new requests wait for room instead of growing memory.</summary>
    public int MaxQueuedRequests { get; set; } = 10_000;

    /// <summary>The settings' errors, keyed by name; empty when they can be used.</summary>
    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (MaxGroupRecords < 1) errors.Add($"{Section}:{nameof(MaxGroupRecords)} must be 1 or more.");
        if (MaxQueuedRequests < 1) errors.Add($"{Section}:{nameof(MaxQueuedRequests)} must be 1 or more.");
        return errors;
    }
}

/// <summary>
/// Group commit of usage records (ADR 0040). Requests queue here; one writer takes everything that queued while the
/// previous group was committing (up to <see cref="UsageGroupOptions.MaxGroupRecords"/>) and writes it in one
/// transaction, so a feature's counter row is updated and the log flushed once per group instead of once per record.
/// No timer: a lone request goes at once, and under load a group is whatever arrived during one commit.
/// Each request is answered only after its group has committed; when the group fails, every request in it fails.
/// </summary>
public sealed class UsageGroupCommit : IAsyncDisposable, IDisposable
{
    private readonly IUsageStore _store;
    private readonly int _maxGroupRecords;
    private readonly Channel<Pending> _queue;
    private readonly Task _writer;

    public UsageGroupCommit(IUsageStore store, UsageGroupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Errors() is [var first, ..]) throw new ArgumentException(first, nameof(options));
        _store = store;
        _maxGroupRecords = options.MaxGroupRecords;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.MaxQueuedRequests)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>
    /// Stores <paramref name="records"/> (all or nothing) in the next group and returns them as stored, in input order,
    /// once that group has committed. <paramref name="ct"/> only cancels the wait for room in the queue: once queued,
    /// the records belong to their group, as a statement sent to a database does.
    /// </summary>
    public async Task<IReadOnlyList<FeatureUsage>> RecordAsync(IReadOnlyList<FeatureUsage> records, CancellationToken ct)
    {
        var pending = new Pending(records);
        try
        {
            await _queue.Writer.WriteAsync(pending, ct);
        }
        catch (ChannelClosedException)
        {
            throw new StoreUnavailableException("The registry is shutting down.", "Usage records are no longer accepted by this process; retry.");
        }
        return await pending.Result.Task;
    }

    private async Task WriteAsync()
    {
        var reader = _queue.Reader;
        var group = new List<Pending>();
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            var records = 0;
            while (reader.TryPeek(out var next) && (group.Count == 0 || records + next.Records.Count <= _maxGroupRecords))
            {
                reader.TryRead(out _);
                group.Add(next);
                records += next.Records.Count;
            }
            await CommitAsync(group);
        }
    }

    private async Task CommitAsync(List<Pending> group)
    {
        IReadOnlyList<UsageGroupResult> results;
        try
        {
            // Not cancellable: a client going away must not roll back the records of the others in its group.
            results = await _store.RecordGroupAsync([.. group.Select(p => p.Records)], CancellationToken.None);
        }
#pragma warning disable CA1031 // every failure of the group is each member's answer; the writer itself must go on
        catch (Exception e)
#pragma warning restore CA1031
        {
            foreach (var pending in group) pending.Result.TrySetException(e);
            return;
        }
        for (var i = 0; i < group.Count; i++)
        {
            if (results[i].Stored is { } stored) group[i].Result.TrySetResult(stored);
            else group[i].Result.TrySetException(Vanished(results[i].MissingFeatures));
        }
    }

    /// <summary>A member refused because a feature it names was deleted after the service checked it.</summary>
    internal static NotFoundException Vanished(IReadOnlyList<string> names) =>
        new($"One of these features no longer exists: {string.Join(", ", names)}.");

    /// <summary>Takes no new requests, commits those already queued, then returns: a graceful stop loses nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    /// <summary>The same, for a container disposed synchronously.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _writer.GetAwaiter().GetResult();
    }

    private sealed class Pending(IReadOnlyList<FeatureUsage> records)
    {
        public IReadOnlyList<FeatureUsage> Records { get; } = records;

        // Answers continue on the thread pool, not on the writer, which goes on to the next group at once.
        public TaskCompletionSource<IReadOnlyList<FeatureUsage>> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
