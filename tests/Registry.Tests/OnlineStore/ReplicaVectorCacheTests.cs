using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Online;
using Registry.Core.Values;
using Registry.Redis;
using Registry.Redis.LocalServer;
using Registry.Tests.Infrastructure;
using StackExchange.Redis;

namespace Registry.Tests.OnlineStore;

/// <summary>
/// A replica's remembered vector values (ADR 0055) against a real Redis: after any acknowledged write, a replica that
/// read the same keys before answers exactly what a replica that remembers nothing answers.
/// </summary>
public sealed class ReplicaVectorCacheTests
{
    private static readonly DateTimeOffset T0 = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static async Task<(LocalRedisServer Server, string Prefix)> CompleteStoreAsync()
    {
        var server = await TestRedis.GetAsync();
        var prefix = TestRedis.NewPrefix();
        using var store = Store(server, prefix);
        await store.BeginBackfillAsync("e", default);
        Assert.True(await store.MarkCompleteAsync("e", default));
        return (server, prefix);
    }

    private static RedisOnlineStore Store(LocalRedisServer server, string prefix) =>
        new(RedisOnlineStore.Connect(server.Configuration), prefix, OnlineTtl.None);

    private static UpstreamInput Member(string feature, int major) => new(feature, new ValueTable(feature, "values", feature, DataType.Float), major);

    private static string Show(IReadOnlyList<LatestValue?[]> vectors) =>
        string.Join("\n", vectors.Select(v => string.Join(" ", v.Select(x => x is null ? "-" : $"{x.Value}@{x.EventTs:O}"))));

    private static async Task WaitConnectedAsync(RedisOnlineStore store)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                await store.Database.PingAsync();
                return;
            }
            catch (RedisException) { await Task.Delay(100); }
        }
    }

    [Fact]
    public async Task After_every_acknowledged_write_a_remembering_replica_answers_what_a_fresh_one_reads()
    {
        var (server, prefix) = await CompleteStoreAsync();
        using var owner = Store(server, prefix);
        using var replica = Store(server, prefix);
        var members = new[] { Member("rc_a", 1), Member("rc_b", 1), Member("rc_b", 2), Member("rc_c", 3) };
        var entities = Enumerable.Range(0, 40).Select(e => e % 7 == 0 ? $"e:{e}*" : $"E{e}").ToArray();
        var random = new Random(11);
        var n = 0;
        for (var round = 0; round < 30; round++)
        {
            // Some members, some entities, newer or older than what is held (an older one changes nothing).
            foreach (var m in members.Where(_ => random.Next(2) == 0))
            {
                var rows = entities.Where(_ => random.Next(3) == 0)
                    .Select(e => new OnlineRow(e, m.ContractMajor, T0.AddMinutes(random.Next(-20, 60 + round)), (double)n++, $"{m.ContractMajor}.0.0", T0.AddSeconds(n)))
                    .ToList();
                await owner.WriteAsync(m.FeatureName, rows, default);
            }
            var asked = entities.Where(_ => random.Next(4) != 0).ToArray();
            var remembered = await replica.LatestVectorsAsync(members, asked, default);
            using var fresh = Store(server, prefix);
            Assert.Equal(Show(await fresh.LatestVectorsAsync(members, asked, default)), Show(remembered));
            // And again with nothing changed: now from memory, the same.
            Assert.Equal(Show(remembered), Show(await replica.LatestVectorsAsync(members, asked, default)));
        }
    }

    [Fact]
    public async Task Each_write_that_changes_a_key_leaves_a_new_token_and_one_that_changes_nothing_leaves_it()
    {
        var (server, prefix) = await CompleteStoreAsync();
        using var owner = Store(server, prefix);
        var db = owner.Database;
        RedisKey token = prefix + "g:rc_token";
        Assert.True((await db.StringGetAsync(token)).IsNull);

        await owner.WriteAsync("rc_token", [new OnlineRow("E", 1, T0, 1.0, "1.0.0", T0)], default);
        var first = await db.StringGetAsync(token);
        Assert.False(first.IsNull);
        await owner.WriteAsync("rc_token", [new OnlineRow("E", 1, T0.AddMinutes(-5), 0.5, "1.0.0", T0)], default); // older: not written
        Assert.Equal(first, await db.StringGetAsync(token));
        await owner.WriteAsync("rc_token", [new OnlineRow("E", 1, T0.AddMinutes(1), 2.0, "1.0.0", T0)], default);
        Assert.NotEqual(first, await db.StringGetAsync(token));
    }

    [Fact]
    public async Task Values_are_remembered_until_the_features_token_changes()
    {
        var (server, prefix) = await CompleteStoreAsync();
        using var owner = Store(server, prefix);
        using var replica = Store(server, prefix);
        await owner.WriteAsync("rc_kept", [new OnlineRow("E", 1, T0, 1.0, "1.0.0", T0)], default);
        Assert.Equal(1.0, (await replica.LatestVectorsAsync([Member("rc_kept", 1)], ["E"], default))[0][0]!.Value);

        // A key changed behind the write script's back (no new token) is not read again: the memory is what answers.
        var raw = await owner.Database.StringGetAsync(prefix + "v:rc_kept:1:E");
        await owner.Database.StringSetAsync(prefix + "v:rc_kept:1:E", ((string)raw!).Replace("|d1", "|d3", StringComparison.Ordinal));
        Assert.Equal(1.0, (await replica.LatestVectorsAsync([Member("rc_kept", 1)], ["E"], default))[0][0]!.Value);

        await owner.Database.StringSetAsync(prefix + "g:rc_kept", "another token");
        Assert.Equal(3.0, (await replica.LatestVectorsAsync([Member("rc_kept", 1)], ["E"], default))[0][0]!.Value);
    }

    [Fact]
    public async Task A_feature_without_a_token_is_read_from_redis_every_time()
    {
        // Keys written by a version before generation tokens: nothing would tell a replica they changed, so none is kept.
        var (server, prefix) = await CompleteStoreAsync();
        using var owner = Store(server, prefix);
        using var replica = Store(server, prefix);
        await owner.WriteAsync("rc_old", [new OnlineRow("E", 1, T0, 1.0, "1.0.0", T0)], default);
        await owner.Database.KeyDeleteAsync(prefix + "g:rc_old");
        Assert.Equal(1.0, (await replica.LatestVectorsAsync([Member("rc_old", 1)], ["E"], default))[0][0]!.Value);

        var raw = await owner.Database.StringGetAsync(prefix + "v:rc_old:1:E");
        await owner.Database.StringSetAsync(prefix + "v:rc_old:1:E", ((string)raw!).Replace("|d1", "|d3", StringComparison.Ordinal));
        Assert.Equal(3.0, (await replica.LatestVectorsAsync([Member("rc_old", 1)], ["E"], default))[0][0]!.Value);
    }

    [Fact]
    public async Task After_redis_loses_its_data_nothing_remembered_is_served_before_or_after_the_backfill()
    {
        var server = await TestRedis.StartOwnAsync();
        await using var _ = server;
        const string prefix = "fr:";
        using var owner = Store(server, prefix);
        using var replica = Store(server, prefix);
        await owner.BeginBackfillAsync("one", default);
        await owner.WriteAsync("rc_loss", [new OnlineRow("E", 1, T0, 1.0, "1.0.0", T0), new OnlineRow("F", 1, T0, 5.0, "1.0.0", T0)], default);
        Assert.True(await owner.MarkCompleteAsync("one", default));
        Assert.Equal("1 5", Show(await replica.LatestVectorsAsync([Member("rc_loss", 1)], ["E", "F"], default)).Replace("@" + T0.ToString("O"), "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal));

        server.Kill(); // and restarted without persistence: everything is gone
        await server.StartAsync();
        await WaitConnectedAsync(replica);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => replica.LatestVectorsAsync([Member("rc_loss", 1)], ["E"], default));
        await WaitConnectedAsync(owner);

        // The backfill writes what the values file holds now (E changed meanwhile, F is gone): the replica answers that.
        await owner.BeginBackfillAsync("two", default);
        await owner.WriteAsync("rc_loss", [new OnlineRow("E", 1, T0.AddMinutes(1), 2.0, "1.0.0", T0)], default);
        Assert.True(await owner.MarkCompleteAsync("two", default));
        var after = await replica.LatestVectorsAsync([Member("rc_loss", 1)], ["E", "F"], default);
        Assert.Equal(2.0, after[0][0]!.Value);
        Assert.Null(after[1][0]);
    }
}
