using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Registry.Core.Common;
using Registry.Core.Online;
using Registry.DuckDb.Values;
using StoreUnavailable = Registry.Core.Common.StoreUnavailableException;

namespace Registry.DuckDb.Online;

/// <summary>
/// The values owner's upkeep of the online store (ADR 0035), one loop: each tick (every second, or at once after a
/// failed write) it (1) backfills everything when Redis holds no complete copy (first enabled, or restarted without
/// persistence), (2) replays the pending records of commits whose copy failed, each under the feature's write lock, and
/// (3) runs a backfill asked for through the API. All of it is idempotent: the online store keeps the newest value
/// whatever the order of writes.
/// </summary>
internal sealed class OnlineSync : BackgroundService, IOnlineSync
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly DuckDbValueStore _values;
    private readonly OnlinePublisher _publisher;
    private readonly TimeProvider _clock;
    private readonly ILogger<OnlineSync> _logger;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly Lock _gate = new();
    private (bool Requested, string? Feature) _request;
    private OnlineBackfill? _backfill;
    private (long Pending, DateTimeOffset? Oldest) _backlog;
    private bool _reportedDown;

    public OnlineSync(DuckDbValueStore values, OnlinePublisher publisher, TimeProvider clock, ILogger<OnlineSync> logger)
    {
        _values = values;
        _publisher = publisher;
        _clock = clock;
        _logger = logger;
        publisher.Failed += () => _wake.Release();
        RegistryMetrics.ObserveOnlineRepair(() =>
        {
            var (pending, oldest) = _backlog;
            return (pending, oldest is { } o ? Math.Max(0, (_clock.GetUtcNow() - o).TotalSeconds) : 0);
        });
    }

    public OnlineBackfill? LastBackfill
    {
        get { lock (_gate) return _backfill; }
    }

    public Task<(long Pending, DateTimeOffset? OldestSince)> BacklogAsync(CancellationToken ct) =>
        Task.Run(ReadBacklog, ct);

    public OnlineBackfill StartBackfill(string? featureName)
    {
        lock (_gate)
        {
            if (_backfill is { State: "running" } running) return running;
            _request = (true, featureName);
            _backfill = new OnlineBackfill(featureName, "running", 0, 0, 0, 0, _clock.GetUtcNow(), null, null);
        }
        _wake.Release();
        return LastBackfill!;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // never hold up the host's start
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
                if (_reportedDown) _logger.Reachable();
                _reportedDown = false;
            }
            catch (StoreUnavailable e)
            {
                if (!_reportedDown) _logger.RepairWaits(e.Message);
                _reportedDown = true;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                _logger.UpkeepFailed(e);
            }
            try { await _wake.WaitAsync(Tick, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One pass: a full backfill if the copy is incomplete, the pending repairs, then any requested backfill.</summary>
    internal async Task RunOnceAsync(CancellationToken ct)
    {
        _backlog = ReadBacklog();
        if (!await _publisher.Store.IsCompleteAsync(ct))
        {
            lock (_gate)
            {
                if (_backfill is not { State: "running" })
                    _backfill = new OnlineBackfill(null, "running", 0, 0, 0, 0, _clock.GetUtcNow(), null, null);
                _request = (false, null);
            }
            _logger.BackfillingAll();
            await BackfillAsync(null, ct);
        }
        await RepairPendingAsync(ct);
        (bool Requested, string? Feature) request;
        lock (_gate)
        {
            request = _request;
            _request = (false, null);
        }
        if (request.Requested) await BackfillAsync(request.Feature, ct);
        _backlog = ReadBacklog();
    }

    /// <summary>Replays each pending record, oldest first, under the feature's write lock, so no commit slips between the copy and the clearing.</summary>
    private async Task RepairPendingAsync(CancellationToken ct)
    {
        List<(string Feature, DateTimeOffset Since)> pending = [];
        using (var c = _values.Database.Rent())
        using (var r = c.Query($"SELECT feature_name, since FROM {OnlinePublisher.PendingTable} ORDER BY since"))
            while (r.Read()) pending.Add((r.GetString(0), r.GetTimestamp(1)));
        foreach (var (feature, since) in pending)
        {
            var gate = _values.WriteGate(feature);
            await gate.WaitAsync(ct);
            try
            {
                using var c = _values.Database.Rent();
                var (rows, written) = await _publisher.CopyAsync(c, feature, since, ct);
                c.Execute($"DELETE FROM {OnlinePublisher.PendingTable} WHERE feature_name = ? AND since = ?", feature, since);
                _logger.Repaired(feature, rows, since, written);
            }
            finally { gate.Release(); }
        }
    }

    private async Task BackfillAsync(string? feature, CancellationToken ct)
    {
        var epoch = Guid.NewGuid().ToString("N");
        try
        {
            var features = new List<string>();
            using (var c = _values.Database.Rent())
            using (var r = c.Query("SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = ? ORDER BY 1",
                       ValueSql.LatestSchema))
                while (r.Read()) features.Add(r.GetString(0));
            if (feature is not null) features = features.Where(f => f == feature).ToList();
            if (feature is null) await _publisher.Store.BeginBackfillAsync(epoch, ct);
            Update(b => b with { FeaturesTotal = features.Count });
            foreach (var f in features)
            {
                using var c = _values.Database.Rent();
                var (rows, written) = await _publisher.CopyAsync(c, f, null, ct);
                Update(b => b with { FeaturesDone = b.FeaturesDone + 1, RowsRead = b.RowsRead + rows, KeysWritten = b.KeysWritten + written });
            }
            // Complete only if Redis kept everything since the start (a restart without persistence drops the epoch too).
            if (feature is null && !await _publisher.Store.MarkCompleteAsync(epoch, ct))
                throw new StoreUnavailable("The online store lost its data during the backfill.", "The backfill starts over.");
            Update(b => b with { State = "succeeded", FinishedAt = _clock.GetUtcNow() });
            var done = LastBackfill!;
            _logger.BackfillDone(feature ?? "every feature", done.FeaturesDone, done.RowsRead, done.KeysWritten);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Update(b => b with { State = "failed", FinishedAt = _clock.GetUtcNow(), Error = e.Message });
            throw;
        }
    }

    private void Update(Func<OnlineBackfill, OnlineBackfill> change)
    {
        lock (_gate)
        {
            if (_backfill is not null) _backfill = change(_backfill);
        }
    }

    private (long, DateTimeOffset?) ReadBacklog()
    {
        using var c = _values.Database.Rent();
        using var r = c.Query($"SELECT count(*), min(since) FROM {OnlinePublisher.PendingTable}");
        r.Read();
        var backlog = (r.GetInt64(0), r.IsDBNull(1) ? (DateTimeOffset?)null : r.GetTimestamp(1));
        _backlog = backlog;
        return backlog;
    }
}
