using System.Collections.Concurrent;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// Latest values already read (for latest-value reads and online vectors), per (feature, contract, entity). One process
/// owns the DuckDB file and sees every write, so an entry is exact until the feature's next commit: each commit bumps the
/// feature's generation, and an entry read under an older generation is a miss. A reader that raced a commit stored its
/// entry under the generation it saw before querying, so at worst it re-reads; it never serves a value older than a
/// commit it followed. Since DuckDB.NET prepares every statement again (ADR 0023), this is also what keeps a repeated
/// lookup from paying for a prepare.
/// </summary>
internal sealed class LatestCache
{
    /// <summary>Bounds memory (about 200 bytes an entry); past it the cache starts over rather than tracking recency.</summary>
    private const int Capacity = 1_000_000;

    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Feature, int Contract, string Entity), Entry> _entries = new();

    /// <summary>The stored row (null when the entity has no value) and its online form, made once.</summary>
    private sealed record Entry(long Generation, ValueRow? Row, LatestValue? Value);

    public long Generation(string feature) => _generations.GetValueOrDefault(feature);

    public bool TryGet(string feature, int contract, string entity, long generation, out ValueRow? row, out LatestValue? value)
    {
        (row, value) = (null, null);
        if (!_entries.TryGetValue((feature, contract, entity), out var entry) || entry.Generation != generation) return false;
        (row, value) = (entry.Row, entry.Value);
        return true;
    }

    /// <summary>Remembers what a read found; null when the entity has no value in that contract.</summary>
    public LatestValue? Set(string feature, int contract, string entity, long generation, ValueRow? row)
    {
        if (_entries.Count >= Capacity) _entries.Clear();
        LatestValue? value = row is null ? null : new LatestValue(row.EventTs, row.Value);
        _entries[(feature, contract, entity)] = new Entry(generation, row, value);
        return value;
    }

    /// <summary>Called after every commit to the feature's values (and after its latest table is rebuilt).</summary>
    public void Changed(string feature) => _generations.AddOrUpdate(feature, 1, (_, g) => g + 1);
}
