using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Registry.Core.Features;

namespace Registry.Postgres;

/// <summary>
/// Current feature definitions kept in memory for answering reads (ADR 0016). It is exact, not a TTL cache: an entry is
/// forgotten when this process commits a change to it, and when PostgreSQL notifies a change made anywhere else
/// (<see cref="FeatureChangeListener"/>). It serves only while the listener is connected: without notifications it
/// could not know what other replicas changed, so then every read goes to PostgreSQL.
/// </summary>
public sealed class FeatureDefinitionCache : IFeatureChangeSignal
{
    public const string MeterName = "Registry.Postgres";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Lookups = Meter.CreateCounter<long>("registry.definition_cache.lookups", "{lookup}",
        "Reads of one current definition, by result: hit (memory), miss (PostgreSQL, then kept), bypass (the listener is not connected).");

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

    /// <summary>The backend process id of the listening connection (0 when not listening): operators and tests can find it.</summary>
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

    /// <summary>The listener is connected and LISTENing: changes from now on will be heard, so earlier entries must go.</summary>
    internal void Connected(int processId)
    {
        Clear();
        ListenerProcessId = processId;
        _live = true;
    }

    /// <summary>The listener lost its connection: stop answering from memory until it is back.</summary>
    internal void Disconnected()
    {
        _live = false;
        ListenerProcessId = 0;
        Clear();
    }
}
