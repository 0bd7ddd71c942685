using System.Collections.Concurrent;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// Latest values already read for online vectors, per (feature, contract, entity). One process owns the DuckDB file and
/// sees every write, so an entry is exact until the feature's next commit: each commit bumps the feature's generation,
/// and an entry read under an older generation is a miss. A reader that raced a commit stored its entry under the
/// generation it saw before querying, so at worst it re-reads; it never serves a value older than a commit it followed.
/// </summary>
internal sealed class LatestCache
{
    /// <summary>Bounds memory (about 100 bytes an entry); past it the cache starts over rather than tracking recency.</summary>
    private const int Capacity = 1_000_000;

    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Feature, int Contract, string Entity), (long Generation, LatestValue? Value)> _entries = new();

    public long Generation(string feature) => _generations.GetValueOrDefault(feature);

    public bool TryGet(string feature, int contract, string entity, long generation, out LatestValue? value)
    {
        value = null;
        if (!_entries.TryGetValue((feature, contract, entity), out var entry) || entry.Generation != generation) return false;
        value = entry.Value;
        return true;
    }

    public void Set(string feature, int contract, string entity, long generation, LatestValue? value)
    {
        if (_entries.Count >= Capacity) _entries.Clear();
        _entries[(feature, contract, entity)] = (generation, value);
    }

    /// <summary>Called after every commit to the feature's values (and after its latest table is rebuilt).</summary>
    public void Changed(string feature) => _generations.AddOrUpdate(feature, 1, (_, g) => g + 1);
}
