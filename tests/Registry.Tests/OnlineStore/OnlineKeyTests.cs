using Registry.Core.Online;
using Registry.Core.Values;
using Registry.Redis;
using Registry.Tests.Infrastructure;
using StackExchange.Redis;

namespace Registry.Tests.OnlineStore;

/// <summary>The online store's keys and values against a real Redis: hostile entity ids, every value type, newest-wins writes.</summary>
public sealed class OnlineKeyTests
{
    private static readonly DateTimeOffset T0 = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static async Task<(RedisOnlineStore Store, ConnectionMultiplexer Mux, string Prefix)> StoreAsync(OnlineTtl? ttl = null)
    {
        var server = await TestRedis.GetAsync();
        var prefix = TestRedis.NewPrefix();
        var mux = RedisOnlineStore.Connect(server.Configuration);
        var store = new RedisOnlineStore(mux, prefix, ttl ?? OnlineTtl.None);
        await store.BeginBackfillAsync("e", default);
        Assert.True(await store.MarkCompleteAsync("e", default));
        return (store, mux, prefix);
    }

    private static string[] HostileEntities() =>
    [
        .. OnlineStoreEquivalenceTests.Hostile.Where(h => h.Length > 0),
        new string('k', 1024),                    // 1 KiB
        new string('€', 342),                     // 1 KiB and more in UTF-8
        "2:x", "12:x", "1:2:x", "x\r\nSET evil 1", "') return redis.call('FLUSHALL') --",
    ];

    [Fact]
    public async Task Hostile_entity_ids_never_collide_across_entities_features_or_contracts_and_inject_nothing()
    {
        var (store, mux, prefix) = await StoreAsync();
        using var _ = store;
        var entities = HostileEntities();
        var rows = new List<(string Feature, OnlineRow Row)>();
        var n = 0;
        foreach (var feature in new[] { "hk_a", "hk_ab" })
        foreach (var major in new[] { 1, 12 })
        foreach (var e in entities)
            rows.Add((feature, new OnlineRow(e, major, T0.AddMinutes(n), (double)n++, $"{major}.0.0", T0)));
        foreach (var g in rows.GroupBy(r => r.Feature))
            Assert.Equal(g.Count(), await store.WriteAsync(g.Key, g.Select(r => r.Row).ToList(), default));

        // One key each, all distinct, every one read back as written.
        var keys = mux.GetServer(mux.GetEndPoints()[0]).Keys(pattern: prefix + "v:*").ToList();
        Assert.Equal(rows.Count, keys.Count);
        foreach (var g in rows.GroupBy(r => (r.Feature, r.Row.ContractMajor)))
        {
            var answer = await store.LatestAsync(g.Key.Feature, g.Key.ContractMajor, entities, default);
            Assert.Equal(entities.Length, answer.Count);
            foreach (var (_, row) in g)
            {
                var read = Assert.Single(answer, a => a.EntityId == row.EntityId);
                Assert.Equal(row.Value, read.Value);
                Assert.Equal(row.EventTs, read.EventTs);
                Assert.Equal(row.FeatureVersion, read.FeatureVersion);
            }
        }
        // '*' is a key like any other, not a pattern; an entity never written is missing.
        var star = await store.LatestAsync("hk_a", 1, ["*", "never"], default);
        Assert.Equal("*", Assert.Single(star).EntityId);
        Assert.True(await mux.GetDatabase().KeyExistsAsync(prefix + "complete")); // nothing flushed
        Assert.False(await mux.GetDatabase().KeyExistsAsync("evil"));
    }

    [Fact]
    public async Task Every_value_type_round_trips_and_the_newest_value_wins_whatever_the_order_of_writes()
    {
        var (store, _, _) = await StoreAsync();
        using var __ = store;
        object?[] values = [null, 0.1, double.NaN, double.NegativeInfinity, -0.0, 1e308, long.MinValue, long.MaxValue, true, false, "", "a|b|c",
            "ü\0?", new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(123_450)];
        var rows = values.Select((v, i) => new OnlineRow($"e{i}", 1, T0, v, "1.0.0", T0)).ToList();
        await store.WriteAsync("rt", rows, default);
        var read = await store.LatestAsync("rt", 1, [.. rows.Select(r => r.EntityId)], default);
        foreach (var row in rows) Assert.Equal(row.Value, Assert.Single(read, r => r.EntityId == row.EntityId).Value);
        // Vectors decode the same bytes by their own path (no text made): the same values, event times and missing members.
        var member = new UpstreamInput("rt", new ValueTable("rt", ValueTable.DefaultSchema, "rt", Registry.Core.Features.DataType.Float), 1);
        var absent = new UpstreamInput("rt_absent", new ValueTable("rt_absent", ValueTable.DefaultSchema, "rt_absent", Registry.Core.Features.DataType.Float), 1);
        var vectors = await store.LatestVectorsAsync([member, absent], [.. rows.Select(r => r.EntityId)], default);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].Value, vectors[i][0]!.Value);
            Assert.Equal(rows[i].EventTs, vectors[i][0]!.EventTs);
            Assert.Null(vectors[i][1]);
        }

        // Newest = greatest event time, then greatest ingestion time; older writes arriving later change nothing.
        OnlineRow At(int eventMinutes, int ingestMinutes, double v) => new("w", 1, T0.AddMinutes(eventMinutes), v, "1.0.0", T0.AddMinutes(ingestMinutes));
        Assert.Equal(1, await store.WriteAsync("nw", [At(10, 10, 1.0)], default));
        Assert.Equal(0, await store.WriteAsync("nw", [At(9, 20, 2.0)], default));   // older event, later ingest
        Assert.Equal(0, await store.WriteAsync("nw", [At(10, 5, 3.0)], default));   // same event, earlier ingest
        Assert.Equal(0, await store.WriteAsync("nw", [At(10, 10, 1.0)], default));  // the same row again
        Assert.Equal(1.0, (await store.LatestAsync("nw", 1, ["w"], default))[0].Value);
        Assert.Equal(1, await store.WriteAsync("nw", [At(10, 11, 4.0)], default));  // same event, re-ingested
        Assert.Equal(1, await store.WriteAsync("nw", [At(11, 0, 5.0)], default));   // newer event (instants are per feature, not global)
        Assert.Equal(5.0, (await store.LatestAsync("nw", 1, ["w"], default))[0].Value);
    }

    [Fact]
    public async Task A_store_without_its_completeness_mark_refuses_reads_and_a_backfill_interrupted_by_a_loss_is_not_marked_complete()
    {
        var server = await TestRedis.GetAsync();
        var prefix = TestRedis.NewPrefix();
        using var store = new RedisOnlineStore(RedisOnlineStore.Connect(server.Configuration), prefix, OnlineTtl.None);
        var e = await Assert.ThrowsAsync<Registry.Core.Common.StoreUnavailableException>(() => store.LatestAsync("f", 1, ["a"], default));
        Assert.Contains("rebuilt", e.Title, StringComparison.Ordinal);
        await Assert.ThrowsAsync<Registry.Core.Common.StoreUnavailableException>(() =>
            store.LatestVectorsAsync([new UpstreamInput("f", new ValueTable("f", "features", "f", Registry.Core.Features.DataType.Float), 1)], ["a"], default));

        await store.BeginBackfillAsync("first", default);
        await store.Database.KeyDeleteAsync(prefix + "epoch"); // as a restart without persistence would
        Assert.False(await store.MarkCompleteAsync("first", default));
        Assert.False(await store.IsCompleteAsync(default));
        await store.BeginBackfillAsync("second", default);
        Assert.True(await store.MarkCompleteAsync("second", default));
        Assert.Empty(await store.LatestAsync("f", 1, ["a"], default));
    }

    [Fact]
    public void Code_point_order_is_DuckDBs_byte_order()
    {
        string[] words = ["b", "a", "\uFFFD", "𝄞", "a:b", "a ", "é", ""];
        var bytes = words.OrderBy(w => w, Comparer<string>.Create((x, y) =>
            ((ReadOnlySpan<byte>)System.Text.Encoding.UTF8.GetBytes(x)).SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(y)))).ToList();
        Assert.Equal(bytes, words.OrderBy(w => w, Comparer<string>.Create(RedisOnlineStore.CodePointOrder)).ToList());
    }
}
