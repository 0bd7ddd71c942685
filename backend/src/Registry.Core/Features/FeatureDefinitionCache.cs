using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Registry.Core.Features;

/// <summary>
/// Current feature definitions kept in memory for answering reads (ADR 0016, ADR 0022). It is exact, not a TTL cache: an
/// entry is forgotten when this process commits a change to it, and when the registry store signals a change made anywhere
/// else (PostgreSQL's LISTEN/NOTIFY, MongoDB's change stream). It serves only while that listener is connected: without
/// signals it could not know what other replicas changed, so then every read goes to the database. Shared by both stores,
/// so both keep the same rules.
/// </summary>
public sealed class FeatureDefinitionCache : IFeatureChangeSignal
{
    public const string MeterName = "Registry.DefinitionCache";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Lookups = Meter.CreateCounter<long>("registry.definition_cache.lookups", "{lookup}",
        "Reads of one current definition, by result: hit (memory), miss (the database, then kept), bypass (the change listener is not connected).");

    private readonly ConcurrentDictionary<string, FeatureDefinition> _entries = new(StringComparer.Ordinal);
    private readonly int _maxEntries;
    private long _generation;
    private volatile bool _live;

    /// <param name="maxEntries">Beyond this many definitions, misses are answered but not kept: memory stays bounded.</param>
    public FeatureDefinitionCache(int maxEntries = 100_000)
    {
        _maxEntries = maxEntries;
        Meter.CreateObservableGauge("registry.definition_cache.entries", () => _entries.Count, "{definition}",
            "Definitions held in memory.");
    }

    /// <summary>True while change notifications arrive; only then does the cache answer.</summary>
    public bool IsLive => _live;

    public long Generation => Interlocked.Read(ref _generation);

    public event Action<string?>? Changed;

    public int Count => _entries.Count;

    /// <summary>
    /// Which connection listens (0 when none): PostgreSQL's backend process id, so operators and tests can find it; the
    /// MongoDB listener reports 1 while its change stream is open.
    /// </summary>
    public int ListenerProcessId { get; private set; }

    /// <summary>The definition, from memory when it is there, else from <paramref name="load"/> (kept for the next read).</summary>
    public async Task<FeatureDefinition?> GetAsync(string featureName, Func<string, CancellationToken, Task<FeatureDefinition?>> load,
        CancellationToken ct)
    {
        if (!_live)
        {
            Lookups.Add(1, new KeyValuePair<string, object?>("result", "bypass"));
            return await load(featureName, ct);
        }
        if (_entries.TryGetValue(featureName, out var cached))
        {
            Lookups.Add(1, new KeyValuePair<string, object?>("result", "hit"));
            return cached;
        }

        Lookups.Add(1, new KeyValuePair<string, object?>("result", "miss"));
        // A change that commits while the row is being read must not leave the older copy behind: keep it only if
        // nothing was forgotten meanwhile, and check again after keeping it (the forgetting may have run in between).
        var generation = Interlocked.Read(ref _generation);
        var loaded = await load(featureName, ct);
        if (loaded is null || !_live || Interlocked.Read(ref _generation) != generation || _entries.Count >= _maxEntries) return loaded;
        _entries[featureName] = loaded;
        if (Interlocked.Read(ref _generation) != generation || !_live) _entries.TryRemove(new KeyValuePair<string, FeatureDefinition>(featureName, loaded));
        return loaded;
    }

    /// <summary>
    /// The definitions of <paramref name="featureNames"/> that exist, in that order: from memory where they are, the others in
    /// one call of <paramref name="load"/>, kept by the same rule as <see cref="GetAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<FeatureDefinition>> GetManyAsync(IReadOnlyList<string> featureNames,
        Func<IReadOnlyCollection<string>, CancellationToken, Task<IReadOnlyList<FeatureDefinition>>> load, CancellationToken ct)
    {
        var found = new FeatureDefinition?[featureNames.Count];
        var missing = new List<string>();
        var live = _live;
        for (var i = 0; i < featureNames.Count; i++)
        {
            if (live && _entries.TryGetValue(featureNames[i], out var cached)) found[i] = cached;
            else missing.Add(featureNames[i]);
        }
        if (featureNames.Count > missing.Count) Lookups.Add(featureNames.Count - missing.Count, new KeyValuePair<string, object?>("result", "hit"));
        if (missing.Count > 0)
        {
            Lookups.Add(missing.Count, new KeyValuePair<string, object?>("result", live ? "miss" : "bypass"));
            var generation = Interlocked.Read(ref _generation);
            var loaded = (await load(missing, ct)).ToDictionary(f => f.FeatureName, StringComparer.Ordinal);
            for (var i = 0; i < featureNames.Count; i++)
                if (found[i] is null && loaded.TryGetValue(featureNames[i], out var f)) found[i] = f;
            if (live && _live && Interlocked.Read(ref _generation) == generation && _entries.Count + loaded.Count <= _maxEntries)
            {
                foreach (var f in loaded.Values) _entries[f.FeatureName] = f;
                if (Interlocked.Read(ref _generation) != generation || !_live)
                    foreach (var f in loaded.Values) _entries.TryRemove(new KeyValuePair<string, FeatureDefinition>(f.FeatureName, f));
            }
        }
        return [.. found.OfType<FeatureDefinition>()];
    }

    /// <summary>Forgets these definitions: called after this process commits a change to them, and for each notification.</summary>
    public void Forget(IEnumerable<string> featureNames)
    {
        Interlocked.Increment(ref _generation);
        foreach (var name in featureNames)
        {
            _entries.TryRemove(name, out _);
            Changed?.Invoke(name);
        }
    }

    public void Forget(string featureName) => Forget([featureName]);

    /// <summary>Forgets everything (a TRUNCATE, or notifications that may have been missed).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
        Changed?.Invoke(null);
    }

    /// <summary>The listener is connected (LISTENing, or its change stream open): changes from now on will be heard, so earlier entries must go.</summary>
    public void Connected(int processId)
    {
        Clear();
        ListenerProcessId = processId;
        _live = true;
    }

    /// <summary>The listener lost its connection: stop answering from memory until it is back.</summary>
    public void Disconnected()
    {
        _live = false;
        ListenerProcessId = 0;
        Clear();
    }
}
