using System.Diagnostics.Metrics;
using System.Globalization;
using Registry.Core.Lineage;

namespace Registry.Core.Features;

/// <summary>What the catalog keeps of one current definition: what lists filter on and lineage walks over.</summary>
public sealed record CatalogEntry(string FeatureName, FeatureType FeatureType, FeatureStatus Status, string Owner, IReadOnlyList<string> Tags,
    string CurrentVersion, IReadOnlyList<string> UpstreamFeatures);

/// <summary>Reads catalog entries from the registry store, each call one statement (one consistent snapshot).</summary>
public interface IFeatureCatalogSource
{
    Task<IReadOnlyList<CatalogEntry>> LoadAllAsync(CancellationToken ct);

    /// <summary>The entries of those of <paramref name="featureNames"/> that exist.</summary>
    Task<IReadOnlyList<CatalogEntry>> LoadAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct);
}

/// <summary>
/// Every current definition's list fields and upstream edges, in memory, for filtered lists and lineage walks (ADR 0044). It
/// follows the same signal as <see cref="FeatureDefinitionCache"/> (this process's commits, and NOTIFY or the change stream
/// for everyone else's): a signalled name is re-read from the store before the next answer, a signal to forget everything
/// (or a lost listener) drops the whole catalog, which is then loaded again in the background while the store answers.
/// It answers only while the signal is live and after a complete load, so an answer from it is never older than what the
/// definition cache would serve. Ordering is ordinal (the stores order by name in the "C" collation, the same order).
/// </summary>
public sealed class FeatureCatalog : IDisposable
{
    private static readonly Meter Meter = new(FeatureDefinitionCache.MeterName);
    private static readonly Counter<long> Answers = Meter.CreateCounter<long>("registry.catalog.answers", "{answer}",
        "Filtered lists and lineage walks, by who answered: memory (the catalog), or store (loading, too large, or the change listener is not connected).");

    private readonly IFeatureChangeSignal _signal;
    private readonly IFeatureCatalogSource _source;
    private readonly int _maxEntries;
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly SemaphoreSlim _refresh = new(1, 1);

    // Guarded by _pending: what was signalled since the catalog last read the store.
    private readonly object _pending = new();
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private bool _stale = true;
    private long _epoch;
    private Task? _loading;

    // Guarded by _lock; null until a complete load.
    /// <summary>Filters' matching names, kept under the read lock and forgotten under the write lock at any change.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ListKey, string[]> _lists = new();
    private const int MaxKeptLists = 1_024;
    private const int MaxKeptNames = 10_000; // at most about 80 MB of kept names

    private readonly record struct ListKey(FeatureType? Type, FeatureStatus? Status, string Owner, string Tags);

    private Dictionary<string, CatalogEntry>? _entries;
    private SortedSet<string> _names = new(StringComparer.Ordinal);
    private Dictionary<string, SortedSet<string>> _byOwner = new(StringComparer.Ordinal);
    private Dictionary<FeatureType, SortedSet<string>> _byType = [];
    private Dictionary<string, HashSet<string>> _downstream = new(StringComparer.Ordinal);

    /// <param name="signal">Which names changed, and whether the listener is connected.</param>
    /// <param name="source">Where entries are read from.</param>
    /// <param name="maxEntries">A registry larger than this is not held: every list and walk then goes to the store.</param>
    public FeatureCatalog(IFeatureChangeSignal signal, IFeatureCatalogSource source, int maxEntries = 1_000_000)
    {
        _signal = signal;
        _source = source;
        _maxEntries = maxEntries;
        signal.Changed += OnChanged;
    }

    /// <summary>True after a complete load, while the signal is live (a read may still have names to re-read first).</summary>
    public bool IsLoaded => _signal.IsLive && !Volatile.Read(ref _stale) && _entries is not null;

    private void OnChanged(string? featureName)
    {
        lock (_pending)
        {
            if (featureName is null || _dirty.Count >= 50_000)
            {
                // Everything is suspect (a TRUNCATE, a reconnect, or more changes than re-reading by name is worth).
                _stale = true;
                _epoch++;
                _dirty.Clear();
            }
            else _dirty.Add(featureName);
        }
    }

    /// <summary>
    /// The filtered, ordered page of names and the total, or null when the store must answer (the catalog is loading, or
    /// the listener is down). Does not answer a text search: ILIKE's case folding is the database's.
    /// </summary>
    public async Task<(IReadOnlyList<string> Names, long Total)?> ListAsync(FeatureListQuery query, CancellationToken ct)
    {
        if (query.Search is { Length: > 0 } || !await ReadyAsync(ct)) return null;
        _lock.EnterReadLock();
        try
        {
            if (_entries is null) return null;
            // Walk the smallest ordered index that the filter pins down; every other condition is checked per entry.
            IEnumerable<string> candidates = _names;
            var count = _names.Count;
            if (query.Owner is { Length: > 0 } owner)
            {
                if (!_byOwner.TryGetValue(owner, out var owned)) return ([], 0);
                (candidates, count) = (owned, owned.Count);
            }
            if (query.FeatureType is { } type)
            {
                if (!_byType.TryGetValue(type, out var typed)) return ([], 0);
                if (typed.Count < count) candidates = typed;
            }

            // Every name the filter matches, in order, is kept until the catalog next changes: pages of one filter
            // (and the same filter asked again) then cost a slice, not a walk of the owner's or type's index.
            // Each tag with its length before it: no two tag lists make the same key, whatever characters a tag holds.
            var key = new ListKey(query.FeatureType, query.Status, query.Owner ?? "",
                string.Concat(query.Tags.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Length}:{t}"))));
            if (!_lists.TryGetValue(key, out var matching))
            {
                var found = new List<string>();
                foreach (var name in candidates)
                    if (Matches(_entries[name], query)) found.Add(name);
                matching = [.. found];
                if (_lists.Count < MaxKeptLists && matching.Length <= MaxKeptNames) _lists.TryAdd(key, matching);
            }
            var skip = (int)Math.Min(query.Skip, matching.Length);
            var page = matching.AsSpan(skip, Math.Min(query.Limit, matching.Length - skip)).ToArray();
            Answers.Add(1, new KeyValuePair<string, object?>("result", "memory"));
            return (page, matching.Length);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Whether a definition belongs in the answer to <paramref name="query"/> (its text search aside), as the stores' queries decide.</summary>
    public static bool Matches(FeatureDefinition f, FeatureListQuery query) =>
        Matches(new CatalogEntry(f.FeatureName, f.FeatureType, f.Status, f.Owner, f.Tags, f.CurrentVersion, f.UpstreamFeatures), query);

    private static bool Matches(CatalogEntry e, FeatureListQuery query)
    {
        if (query.FeatureType is { } type && e.FeatureType != type) return false;
        // Archived features are history: listed only when asked for by status.
        if (query.Status is { } status ? e.Status != status : e.Status == FeatureStatus.Archived) return false;
        if (query.Owner is { Length: > 0 } owner && !string.Equals(e.Owner, owner, StringComparison.Ordinal)) return false;
        foreach (var tag in query.Tags)
        {
            var found = false;
            foreach (var t in e.Tags)
            {
                if (string.Equals(t, tag, StringComparison.Ordinal))
                {
                    found = true;
                    break;
                }
            }
            if (!found) return false;
        }
        return true;
    }

    /// <summary>
    /// The features within the given depths of <paramref name="featureName"/>, each once at its shortest depth, ordered as
    /// the store orders them (upstream first, then by depth and name); null when the store must answer. Breadth-first, so
    /// a feature is reached first at its shortest depth; the visited set also stops at a cycle, should one ever be stored.
    /// </summary>
    public async Task<IReadOnlyList<LineageNode>?> WalkAsync(string featureName, int upstreamDepth, int downstreamDepth, CancellationToken ct)
    {
        if (!await ReadyAsync(ct)) return null;
        _lock.EnterReadLock();
        try
        {
            if (_entries is null) return null;
            var nodes = new List<LineageNode>();
            Walk(featureName, upstreamDepth, LineageSide.Upstream, nodes);
            Walk(featureName, downstreamDepth, LineageSide.Downstream, nodes);
            Answers.Add(1, new KeyValuePair<string, object?>("result", "memory"));
            return nodes;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private void Walk(string root, int maxDepth, LineageSide side, List<LineageNode> nodes)
    {
        if (maxDepth < 1) return;
        var visited = new HashSet<string>(StringComparer.Ordinal) { root };
        var frontier = new List<string> { root };
        for (var depth = 1; depth <= maxDepth && frontier.Count > 0; depth++)
        {
            var next = new List<string>();
            foreach (var name in frontier)
            {
                IEnumerable<string> neighbours = side == LineageSide.Upstream
                    ? _entries!.TryGetValue(name, out var e) ? e.UpstreamFeatures : []
                    : _downstream.TryGetValue(name, out var d) ? d : [];
                foreach (var n in neighbours)
                    if (visited.Add(n)) next.Add(n);
            }
            next.Sort(StringComparer.Ordinal);
            foreach (var name in next)
            {
                // An edge to a row that is gone is not a node: the store's join drops it the same way.
                if (_entries!.TryGetValue(name, out var e)) nodes.Add(new LineageNode(name, e.Status, e.Owner, e.CurrentVersion, depth, side));
            }
            frontier = next;
        }
    }

    /// <summary>The edges among the given features, ordered by upstream then downstream name; null when the store must answer.</summary>
    public async Task<IReadOnlyList<LineageEdge>?> EdgesAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct)
    {
        if (!await ReadyAsync(ct)) return null;
        _lock.EnterReadLock();
        try
        {
            if (_entries is null) return null;
            var set = featureNames as IReadOnlySet<string> ?? new HashSet<string>(featureNames, StringComparer.Ordinal);
            var edges = new List<LineageEdge>();
            foreach (var name in set)
            {
                if (!_entries.TryGetValue(name, out var e)) continue;
                foreach (var up in e.UpstreamFeatures)
                    if (set.Contains(up)) edges.Add(new LineageEdge(up, name));
            }
            edges.Sort((a, b) => string.CompareOrdinal(a.Upstream, b.Upstream) is var c && c != 0 ? c : string.CompareOrdinal(a.Downstream, b.Downstream));
            return edges;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// True when the catalog may answer: live, loaded, and every name signalled so far re-read. Starts a background load when
    /// there is none (the caller then asks the store).
    /// </summary>
    private async Task<bool> ReadyAsync(CancellationToken ct)
    {
        if (!_signal.IsLive)
        {
            Answers.Add(1, new KeyValuePair<string, object?>("result", "store"));
            return false;
        }
        bool stale, dirty;
        lock (_pending) (stale, dirty) = (_stale, _dirty.Count > 0);
        if (stale)
        {
            StartLoad();
            Answers.Add(1, new KeyValuePair<string, object?>("result", "store"));
            return false;
        }
        if (dirty && !await RefreshAsync(ct))
        {
            Answers.Add(1, new KeyValuePair<string, object?>("result", "store"));
            return false;
        }
        return true;
    }

    /// <summary>Re-reads the signalled names, one at a time so that an older read can never land after a newer one.</summary>
    private async Task<bool> RefreshAsync(CancellationToken ct)
    {
        await _refresh.WaitAsync(ct);
        try
        {
            string[] names;
            long epoch;
            lock (_pending)
            {
                if (_stale) return false;
                names = [.. _dirty];
                _dirty.Clear();
                epoch = _epoch;
            }
            if (names.Length == 0) return true;
            IReadOnlyList<CatalogEntry> rows;
            try
            {
                rows = await _source.LoadAsync(names, ct);
            }
            catch
            {
                // Not re-read: they stay to be re-read by the next answer.
                lock (_pending) _dirty.UnionWith(names);
                throw;
            }
            _lock.EnterWriteLock();
            try
            {
                lock (_pending)
                {
                    // Forgotten whole meanwhile: what was read may predate it.
                    if (_stale || _epoch != epoch) return false;
                }
                var found = rows.ToDictionary(r => r.FeatureName, StringComparer.Ordinal);
                foreach (var name in names)
                {
                    Remove(name);
                    if (found.TryGetValue(name, out var entry)) Add(entry);
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }
            return true;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private void StartLoad()
    {
        lock (_pending)
        {
            if (_loading is { IsCompleted: false }) return;
            _loading = Task.Run(LoadAsync);
        }
    }

    private async Task LoadAsync()
    {
        long epoch;
        lock (_pending)
        {
            // Signals from here on are kept, to be re-read after the load (the load may or may not see their commits).
            _dirty.Clear();
            epoch = _epoch;
        }
        try
        {
            var rows = await _source.LoadAllAsync(CancellationToken.None);
            if (rows.Count > _maxEntries) return;
            _lock.EnterWriteLock();
            try
            {
                _entries = new Dictionary<string, CatalogEntry>(rows.Count, StringComparer.Ordinal);
                _names = new SortedSet<string>(StringComparer.Ordinal);
                _byOwner = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
                _byType = [];
                _downstream = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
                foreach (var row in rows) Add(row);
                lock (_pending)
                {
                    // A signal to forget everything during the load: this copy may predate it; the next answer loads again.
                    if (_epoch == epoch) _stale = false;
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
        catch (Exception) when (!Environment.HasShutdownStarted)
        {
            // The store is unreachable: answers keep going to it (and fail or succeed there); the next one tries again.
        }
    }

    private void Add(CatalogEntry entry)
    {
        if (!_lists.IsEmpty) _lists.Clear();
        _entries![entry.FeatureName] = entry;
        _names.Add(entry.FeatureName);
        Index(_byOwner, entry.Owner).Add(entry.FeatureName);
        Index(_byType, entry.FeatureType).Add(entry.FeatureName);
        foreach (var up in entry.UpstreamFeatures)
        {
            if (!_downstream.TryGetValue(up, out var down)) _downstream[up] = down = new HashSet<string>(StringComparer.Ordinal);
            down.Add(entry.FeatureName);
        }
    }

    private void Remove(string featureName)
    {
        if (!_lists.IsEmpty) _lists.Clear();
        if (!_entries!.Remove(featureName, out var old)) return;
        _names.Remove(featureName);
        _byOwner[old.Owner].Remove(featureName);
        _byType[old.FeatureType].Remove(featureName);
        foreach (var up in old.UpstreamFeatures)
            if (_downstream.TryGetValue(up, out var down)) down.Remove(featureName);
    }

    private static SortedSet<string> Index<TKey>(Dictionary<TKey, SortedSet<string>> index, TKey key) where TKey : notnull
    {
        if (!index.TryGetValue(key, out var set)) index[key] = set = new SortedSet<string>(StringComparer.Ordinal);
        return set;
    }

    public void Dispose()
    {
        _signal.Changed -= OnChanged;
        _lock.Dispose();
        _refresh.Dispose();
    }
}
