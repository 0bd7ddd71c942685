using System.Collections.Concurrent;
using Registry.Core.Values;
using StackExchange.Redis;

namespace Registry.Redis;

/// <summary>
/// A replica's memory of latest values it already read from Redis, for online vectors (ADR 0055). Every write script
/// that changes a feature's keys also sets the feature's generation key to a token no write ever used before; a reader
/// fetches the members' tokens first (one small MGET) and uses what it remembers of a member only under the token it
/// just read. A write is acknowledged after its script ran, so a read that starts after the acknowledgement sees the
/// new token and reads the keys again: never a value older than one already acknowledged. Values are remembered under
/// the token read before they were fetched, so a read racing a write at worst fetches again.
/// </summary>
internal sealed class ReplicaVectorCache
{
    /// <summary>Bounds memory (about 150 bytes an entry); past it the cache starts over rather than tracking recency.</summary>
    private const int Capacity = 1_000_000;

    private readonly ConcurrentDictionary<(string Feature, int Contract), Generation> _members = new();
    private int _entries;

    /// <summary>What is remembered of one (feature, contract) under one token; replaced whole when the token changes.</summary>
    internal sealed class Generation(RedisValue token)
    {
        public RedisValue Token { get; } = token;
        public ConcurrentDictionary<string, LatestValue?> Values { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The member's values under <paramref name="token"/>: what is remembered if the token is unchanged, else empty.</summary>
    /// <remarks>
    /// A feature without a token (never written since the store lost its data, or written only by a version before
    /// generation keys) is never remembered: nothing would tell a replica that it changed.
    /// </remarks>
    public Generation For(string feature, int contract, RedisValue token)
    {
        if (token.IsNull) return new Generation(token);
        var key = (feature, contract);
        if (_members.TryGetValue(key, out var held) && held.Token == token) return held;
        var fresh = new Generation(token);
        _members[key] = fresh;
        return fresh;
    }

    public void Remember(Generation generation, string entity, LatestValue? value)
    {
        if (generation.Token.IsNull) return;
        if (Interlocked.Increment(ref _entries) > Capacity)
        {
            _members.Clear();
            Interlocked.Exchange(ref _entries, 0);
        }
        generation.Values[entity] = value;
    }
}
