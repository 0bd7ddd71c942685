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
    private readonly ConcurrentDictionary<(string Feature, int Contract), Slot> _slots = new();
    private int _entries;

    /// <summary>
    /// What was read of one (feature, contract) under one generation, by entity. One lookup finds a member's slot; a
    /// vector of 100 entities then looks up entity ids only (a 100 × 50 vector hashed 10,000 strings with one level).
    /// </summary>
    internal sealed class Slot(long generation)
    {
        public long Generation { get; } = generation;
        public ConcurrentDictionary<string, Entry> Entries { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The stored row (null when the entity has no value) and its online form, made once.</summary>
    internal sealed record Entry(ValueRow? Row, LatestValue? Value);

    public long Generation(string feature) => _generations.GetValueOrDefault(feature);

    /// <summary>The slot of (feature, contract) for readers that saw <paramref name="generation"/>: the one kept, or a new one.</summary>
    public Slot For(string feature, int contract, long generation)
    {
        var key = (feature, contract);
        if (_slots.TryGetValue(key, out var held))
        {
            if (held.Generation == generation) return held;
            // A reader that saw the generation before a commit, racing one that saw it after: the newer slot stays.
            if (held.Generation > generation) return new Slot(generation);
        }
        var fresh = new Slot(generation);
        _slots[key] = fresh;
        return fresh;
    }

    /// <summary>Remembers what a read found; null when the entity has no value in that contract.</summary>
    public LatestValue? Set(Slot slot, string entity, ValueRow? row)
    {
        if (Interlocked.Increment(ref _entries) > Capacity)
        {
            _slots.Clear();
            Interlocked.Exchange(ref _entries, 0);
        }
        LatestValue? value = row is null ? null : new LatestValue(row.EventTs, row.Value);
        slot.Entries[entity] = new Entry(row, value);
        return value;
    }

    /// <summary>Called after every commit to the feature's values (and after its latest table is rebuilt).</summary>
    public void Changed(string feature) => _generations.AddOrUpdate(feature, 1, (_, g) => g + 1);
}
