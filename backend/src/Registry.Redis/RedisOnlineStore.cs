using Registry.Core.Common;
using Registry.Core.Online;
using Registry.Core.Values;
using StackExchange.Redis;

namespace Registry.Redis;

/// <summary>
/// The online store in Redis (ADR 0034): latest values written by the values owner through one compare-and-set script,
/// read by any replica with one MGET per request. Keys and values: <see cref="OnlineEncoding"/>.
/// </summary>
public sealed class RedisOnlineStore : IOnlineStore, IDisposable
{
    /// <summary>Keys per script call: long enough to amortize the round trip, short enough not to stall Redis for others.</summary>
    internal const int WriteChunk = 512;

    /// <summary>
    /// Sets each key (KEYS[i]) to ARGV[2i-1] unless the value held orders after it (the first 37 characters: event time,
    /// then ingestion time), with PXAT ARGV[2i] when that is positive; skips rows whose expiry has passed (Redis' own
    /// clock). When it set any, it sets the feature's generation key (the last key) to a token never used before (the
    /// last argument), in the same step: replicas' remembered values are valid only under the token (ADR 0055).
    /// Returns how many keys it set.
    /// </summary>
    private const string WriteScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local n = 0
        for i = 1, #KEYS - 1 do
          local v = ARGV[2 * i - 1]
          local at = tonumber(ARGV[2 * i])
          if at == 0 or at > now then
            local old = redis.call('GET', KEYS[i])
            if not old or string.sub(old, 1, 37) < string.sub(v, 1, 37) then
              if at == 0 then redis.call('SET', KEYS[i], v) else redis.call('SET', KEYS[i], v, 'PXAT', at) end
              n = n + 1
            end
          end
        end
        if n > 0 then redis.call('SET', KEYS[#KEYS], ARGV[#ARGV]) end
        return n
        """;

    private readonly ConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly OnlineTtl _ttl;
    private readonly RedisKey _complete;
    private readonly RedisKey _epoch;
    private readonly ReplicaVectorCache _cache = new();

    public RedisOnlineStore(ConnectionMultiplexer redis, string keyPrefix, OnlineTtl ttl)
    {
        _redis = redis;
        _prefix = keyPrefix;
        _ttl = ttl;
        _complete = OnlineEncoding.Complete(keyPrefix);
        _epoch = keyPrefix + "epoch";
    }

    /// <summary>
    /// Connects without waiting for Redis: a replica starts (and answers registry requests) while Redis is down, and the
    /// multiplexer reconnects by itself. Short timeouts, so an online read fails fast with 503 rather than hanging.
    /// </summary>
    public static ConnectionMultiplexer Connect(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        if (!configuration.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase)) options.ConnectTimeout = 2000;
        if (!configuration.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase)) options.SyncTimeout = 2000;
        if (!configuration.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase)) options.AsyncTimeout = 2000;
        // Back within a second of Redis: the default exponential backoff can leave replicas refusing for many seconds.
        options.ReconnectRetryPolicy = new LinearRetry(500);
        return ConnectionMultiplexer.Connect(options);
    }

    public IDatabase Database => _redis.GetDatabase();

    public async Task<long> WriteAsync(string featureName, IReadOnlyList<OnlineRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return 0;
        var ttl = _ttl.For(featureName);
        var db = _redis.GetDatabase();
        var calls = new List<Task<RedisResult>>((rows.Count + WriteChunk - 1) / WriteChunk);
        try
        {
            for (var start = 0; start < rows.Count; start += WriteChunk)
            {
                ct.ThrowIfCancellationRequested();
                var n = Math.Min(WriteChunk, rows.Count - start);
                var keys = new RedisKey[n + 1];
                var args = new RedisValue[2 * n + 1];
                keys[n] = OnlineEncoding.Generation(_prefix, featureName);
                args[2 * n] = Guid.NewGuid().ToString("N"); // one per script call: a token is never reused, even after Redis lost its data
                for (var i = 0; i < n; i++)
                {
                    var row = rows[start + i];
                    keys[i] = OnlineEncoding.Key(_prefix, featureName, row.ContractMajor, row.EntityId);
                    args[2 * i] = OnlineEncoding.Encode(row);
                    args[2 * i + 1] = OnlineEncoding.ExpireAt(row.EventTs, ttl);
                }
                // Pipelined: every chunk is sent before the first answer is awaited.
                calls.Add(db.ScriptEvaluateAsync(WriteScript, keys, args));
            }
            long written = 0;
            foreach (var call in calls) written += (long)await call;
            return written;
        }
        catch (Exception e) when (RedisFaults.IsOutage(e))
        {
            throw RedisFaults.Translate(e);
        }
    }

    public async Task<IReadOnlyList<ValueRow>> LatestAsync(string featureName, int contractMajor, IReadOnlyList<string> entityIds, CancellationToken ct)
    {
        var keys = new RedisKey[entityIds.Count + 1];
        var start = OnlineEncoding.KeyStart(_prefix, featureName, contractMajor);
        for (var i = 0; i < entityIds.Count; i++) keys[i] = OnlineEncoding.Key(start, OnlineEncoding.EntityBytes(entityIds[i]));
        var values = await GetAsync(keys);
        var rows = new List<ValueRow>(entityIds.Count);
        for (var i = 0; i < entityIds.Count; i++)
        {
            if (values[i].IsNull) continue;
            if (OnlineEncoding.Decode(entityIds[i], ((ReadOnlyMemory<byte>)values[i]).Span) is { } row) rows.Add(row);
        }
        RegistryMetrics.OnlineRead(rows.Count, entityIds.Count - rows.Count);
        // The owner's latest read answers in DuckDB's entity order (ORDER BY entity_id: UTF-8 bytes, i.e. code points); so does this one.
        rows.Sort((a, b) => CodePointOrder(a.EntityId, b.EntityId));
        return rows;
    }

    /// <summary>
    /// The members' generation tokens first (one MGET with the completeness marker), then only the values not remembered
    /// under the token just read (one MGET): a replica serving the same entities again reads 51 small keys instead of
    /// 5,001 values for 100 × 50 (ADR 0055).
    /// </summary>
    public async Task<IReadOnlyList<LatestValue?[]>> LatestVectorsAsync(IReadOnlyList<UpstreamInput> members, IReadOnlyList<string> entityIds,
        CancellationToken ct)
    {
        var m = members.Count;
        var tokenKeys = new RedisKey[m + 1];
        for (var i = 0; i < m; i++) tokenKeys[i] = OnlineEncoding.Generation(_prefix, members[i].FeatureName);
        var tokens = await GetAsync(tokenKeys);
        var generations = new ReplicaVectorCache.Generation[m];
        for (var i = 0; i < m; i++) generations[i] = _cache.For(members[i].FeatureName, members[i].ContractMajor, tokens[i]);

        var vectors = new List<LatestValue?[]>(entityIds.Count);
        List<(int Entity, int Member)>? misses = null;
        long hits = 0;
        for (var e = 0; e < entityIds.Count; e++)
        {
            var vector = new LatestValue?[m];
            for (var i = 0; i < m; i++)
            {
                if (!generations[i].Values.TryGetValue(entityIds[e], out var known)) (misses ??= []).Add((e, i));
                else if (known is not null)
                {
                    vector[i] = known;
                    hits++;
                }
            }
            vectors.Add(vector);
        }
        if (misses is not null)
        {
            var keys = new RedisKey[misses.Count + 1];
            // Each member's key start and each entity's bytes are made once, not once per key.
            var starts = new byte[]?[m];
            var entities = new byte[]?[entityIds.Count];
            for (var k = 0; k < misses.Count; k++)
            {
                var (e, i) = misses[k];
                keys[k] = OnlineEncoding.Key(
                    starts[i] ??= OnlineEncoding.KeyStart(_prefix, members[i].FeatureName, members[i].ContractMajor),
                    entities[e] ??= OnlineEncoding.EntityBytes(entityIds[e]));
            }
            var values = await GetAsync(keys);
            for (var k = 0; k < misses.Count; k++)
            {
                var (e, i) = misses[k];
                var v = values[k];
                var latest = v.IsNull ? null : OnlineEncoding.DecodeLatest(((ReadOnlyMemory<byte>)v).Span);
                _cache.Remember(generations[i], entityIds[e], latest);
                if (latest is null) continue;
                vectors[e][i] = latest;
                hits++;
            }
        }
        RegistryMetrics.OnlineRead(hits, (long)entityIds.Count * m - hits);
        return vectors;
    }

    public async Task<bool> IsCompleteAsync(CancellationToken ct)
    {
        try { return await _redis.GetDatabase().KeyExistsAsync(_complete); }
        catch (Exception e) when (RedisFaults.IsOutage(e)) { throw RedisFaults.Translate(e); }
    }

    public async Task BeginBackfillAsync(string epoch, CancellationToken ct)
    {
        try { await _redis.GetDatabase().StringSetAsync(_epoch, epoch); }
        catch (Exception e) when (RedisFaults.IsOutage(e)) { throw RedisFaults.Translate(e); }
    }

    public async Task<bool> MarkCompleteAsync(string epoch, CancellationToken ct)
    {
        try
        {
            var tran = _redis.GetDatabase().CreateTransaction();
            tran.AddCondition(Condition.StringEqual(_epoch, epoch));
            _ = tran.StringSetAsync(_complete, DateTimeOffset.UtcNow.ToString("O"));
            return await tran.ExecuteAsync();
        }
        catch (Exception e) when (RedisFaults.IsOutage(e)) { throw RedisFaults.Translate(e); }
    }

    /// <summary>
    /// One MGET of the keys and the completeness marker (last key), so a Redis that lost its data (restarted without
    /// persistence) and is not yet backfilled answers 503, never a vector of missing values.
    /// </summary>
    private async Task<RedisValue[]> GetAsync(RedisKey[] keys)
    {
        keys[^1] = _complete;
        RedisValue[] values;
        try { values = await _redis.GetDatabase().StringGetAsync(keys); }
        catch (Exception e) when (RedisFaults.IsOutage(e)) { throw RedisFaults.Translate(e); }
        if (values[^1].IsNull)
            throw new StoreUnavailableException("The online store is being rebuilt.",
                "Redis holds no complete copy of the latest values (it was emptied or never filled); the values owner is backfilling it. Retry shortly.");
        return values;
    }

    public void Dispose() => _redis.Dispose();

    /// <summary>Code point order, which is UTF-8 byte order; UTF-16 ordinal order differs for characters beyond U+FFFF.</summary>
    internal static int CodePointOrder(string a, string b)
    {
        var x = a.EnumerateRunes();
        var y = b.EnumerateRunes();
        while (true)
        {
            var hasX = x.MoveNext();
            var hasY = y.MoveNext();
            if (!hasX || !hasY) return hasX.CompareTo(hasY);
            var c = x.Current.Value.CompareTo(y.Current.Value);
            if (c != 0) return c;
        }
    }
}

/// <summary>Redis' own outage errors become Core's <see cref="StoreUnavailableException"/> (503 with Retry-After).</summary>
internal static class RedisFaults
{
    public static bool IsOutage(Exception e) => e is RedisConnectionException or RedisTimeoutException
        // A server still loading its dump, or a replica cut off from its primary: down for now, not a bug.
        || (e is RedisServerException s && (s.Message.StartsWith("LOADING", StringComparison.Ordinal)
                                            || s.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
                                            || s.Message.StartsWith("READONLY", StringComparison.Ordinal)));

    public static StoreUnavailableException Translate(Exception e) =>
        new("The online store is unavailable.", "Redis cannot be reached or is not ready; online reads from this replica resume when it is.", e);
}
