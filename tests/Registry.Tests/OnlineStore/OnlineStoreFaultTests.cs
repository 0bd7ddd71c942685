using Registry.Redis.LocalServer;
using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.OnlineStore;

/// <summary>
/// Redis killed under the owner: ingest keeps committing to DuckDB, a replica answers 503 meanwhile, and once Redis is
/// back the owner repairs it (pending records, or a full backfill when Redis came back empty) until no acknowledged
/// latest value is missing or stale. Each test runs its own redis-server, owner and replica.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)] // a Redis outage, real processes killed
public sealed class OnlineStoreFaultTests
{
    private sealed class Topology : IAsyncDisposable
    {
        public required LocalRedisServer Redis { get; init; }
        public required RegistryApiFactory Owner { get; init; }
        public required RegistryApiFactory Replica { get; init; }
        public HttpClient OwnerClient => Owner.CreateClient();
        public HttpClient ReplicaClient => Replica.CreateClient();

        public static async Task<Topology> StartAsync(bool persistent)
        {
            var redis = await TestRedis.StartOwnAsync(persistent);
            var prefix = TestRedis.NewPrefix();
            var owner = new RegistryApiFactory();
            await ((IAsyncLifetime)owner).InitializeAsync();
            foreach (var (k, v) in TestRedis.OwnerSettings(redis, prefix)) owner.Settings[k] = v;
            var replica = new RegistryApiFactory { ConnectionString = owner.ConnectionString };
            foreach (var (k, v) in TestRedis.OwnerSettings(redis, prefix)) replica.Settings[k] = v;
            replica.Settings["DuckDb:Enabled"] = "false";
            var t = new Topology { Redis = redis, Owner = owner, Replica = replica };
            await OnlineStoreWait.CompleteAsync(t.OwnerClient);
            return t;
        }

        public async ValueTask DisposeAsync()
        {
            await ((IAsyncLifetime)Replica).DisposeAsync();
            await ((IAsyncLifetime)Owner).DisposeAsync();
            await Redis.DisposeAsync();
        }
    }

    private static readonly string[] Entities = [.. Enumerable.Range(0, 60).Select(i => $"e{i:D3}"), .. OnlineStoreEquivalenceTests.Hostile.Where(h => h.Length > 0)];

    private static string Latest(string feature) =>
        $"{ValuesUrl(feature)}/latest?" + string.Join("&", Entities.Select(e => $"entity_id={Uri.EscapeDataString(e)}"));

    private static Task<HttpResponseMessage> IngestDayAsync(HttpClient client, string feature, int day) =>
        client.PostRowsAsync(feature, Entities.Select(e => Row(e, Day(day), day * 1000.0 + e.Length)));

    private static async Task AssertSameAsync(Topology t, string feature, int lastDay)
    {
        var fromOwner = await t.OwnerClient.GetJsonAsync(Latest(feature));
        var fromReplica = await t.ReplicaClient.GetJsonAsync(Latest(feature));
        Assert.Equal(Entities.Length, fromOwner["values"]!.AsArray().Count);
        Assert.All(fromOwner["values"]!.AsArray(), v => Assert.Equal(lastDay * 1000.0 + ((string)v!["entity_id"]!).Length, (double)v["value"]!));
        Assert.Equal(OnlineStoreWait.Timeless(fromOwner), OnlineStoreWait.Timeless(fromReplica));
    }

    [Fact]
    public async Task Redis_killed_mid_ingest_and_restarted_empty_is_backfilled_with_every_acknowledged_latest_value()
    {
        await using var t = await Topology.StartAsync(persistent: false);
        var owner = t.OwnerClient;
        string[] features = ["kill_a", "kill_b"];
        foreach (var f in features) await owner.CreateAsync(FeatureApi.Minimal(f));
        await owner.CreateSetAsync("kill_set", [.. features.Select(f => $"{f}@1.0.0")]);
        var day = 0;
        for (; day < 3; day++)
        foreach (var f in features) await (await IngestDayAsync(owner, f, day)).ExpectAsync(200);
        await AssertSameAsync(t, "kill_a", day - 1);

        // Killed while an ingest is in flight: the ingest is still acknowledged (committed to DuckDB).
        var inFlight = IngestDayAsync(owner, "kill_a", day);
        t.Redis.Kill();
        await (await inFlight).ExpectAsync(200);
        await (await IngestDayAsync(owner, "kill_b", day)).ExpectAsync(200);
        day++;
        for (; day < 6; day++)
        foreach (var f in features) await (await IngestDayAsync(owner, f, day)).ExpectAsync(200);

        // Meanwhile a replica refuses rather than answer from nothing.
        var refused = await t.ReplicaClient.GetAsync($"{FeatureSetApi.Url}/kill_set/versions/1.0.0/online?entity_id=e001");
        await refused.ExpectProblemAsync(503);
        Assert.NotNull(refused.Headers.RetryAfter);
        var down = await owner.GetJsonAsync(OnlineStoreWait.StatusUrl);
        Assert.False((bool)down["reachable"]!);
        Assert.True((long)down["pending_features"]! >= 1);

        // Back, empty (no persistence): the owner notices the missing completeness mark and backfills everything.
        await t.Redis.StartAsync();
        await OnlineStoreWait.CompleteAsync(owner);
        foreach (var f in features) await AssertSameAsync(t, f, day - 1);
        var vector = await t.ReplicaClient.GetJsonAsync($"{FeatureSetApi.Url}/kill_set/versions/1.0.0/online?entity_id=e001");
        Assert.Equal((day - 1) * 1000.0 + 4, (double)vector["vectors"]![0]!["values"]!["kill_a"]!);
    }

    [Fact]
    public async Task Commits_made_while_Redis_is_down_are_queued_and_repaired_when_it_returns_with_its_old_data()
    {
        await using var t = await Topology.StartAsync(persistent: true);
        var owner = t.OwnerClient;
        await owner.CreateAsync(FeatureApi.Minimal("pend_a"));
        await (await IngestDayAsync(owner, "pend_a", 0)).ExpectAsync(200);
        await AssertSameAsync(t, "pend_a", 0);

        t.Redis.Kill();
        await (await IngestDayAsync(owner, "pend_a", 1)).ExpectAsync(200);
        var status = await owner.GetJsonAsync(OnlineStoreWait.StatusUrl);
        Assert.Equal(1, (long)status["pending_features"]!);
        Assert.NotNull(status["oldest_pending_since"]);
        var metrics = await (await owner.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("registry_online_write_failures", metrics, StringComparison.Ordinal);
        Assert.Contains("registry_online_repair_lag_seconds", metrics, StringComparison.Ordinal);

        // Back with its data (append-only file): still complete, but stale until the pending record is replayed.
        await t.Redis.StartAsync();
        await OnlineStoreWait.CompleteAsync(owner);
        await AssertSameAsync(t, "pend_a", 1);
    }

    [Fact]
    public async Task A_backfill_restores_lost_keys_of_one_feature_idempotently_with_progress()
    {
        await using var t = await Topology.StartAsync(persistent: false);
        var owner = t.OwnerClient;
        await owner.CreateAsync(FeatureApi.Minimal("bf_a"));
        await (await IngestDayAsync(owner, "bf_a", 0)).ExpectAsync(200);

        // Keys lost behind the registry's back (e.g. deleted by hand); the completeness mark survives.
        using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(t.Redis.Configuration))
        {
            var server = redis.GetServer(redis.GetEndPoints()[0]);
            foreach (var key in server.Keys(pattern: "*v:bf_a:*")) await redis.GetDatabase().KeyDeleteAsync(key);
        }
        var gone = await t.ReplicaClient.GetJsonAsync(Latest("bf_a"));
        Assert.Empty(gone["values"]!.AsArray());

        var started = (await (await owner.PostAsync($"{OnlineStoreWait.StatusUrl}/backfill?feature_name=bf_a", null)).ExpectAsync(202))!;
        Assert.Equal("bf_a", (string)started["feature_name"]!);
        var done = (await OnlineStoreWait.CompleteAsync(owner))["backfill"]!;
        Assert.Equal("succeeded", (string)done["state"]!);
        Assert.Equal(1, (int)done["features_done"]!);
        Assert.Equal(Entities.Length, (long)done["rows_read"]!);
        Assert.Equal(Entities.Length, (long)done["keys_written"]!);
        await AssertSameAsync(t, "bf_a", 0);

        // Again: nothing changes (every key already holds the newest value).
        await (await owner.PostAsync($"{OnlineStoreWait.StatusUrl}/backfill", null)).ExpectAsync(202);
        var again = (await OnlineStoreWait.CompleteAsync(owner))["backfill"]!;
        Assert.Equal("succeeded", (string)again["state"]!);
        Assert.Null(again["feature_name"]);
        Assert.Equal(0, (long)again["keys_written"]!);
        await AssertSameAsync(t, "bf_a", 0);

        await (await owner.PostAsync($"{OnlineStoreWait.StatusUrl}/backfill?feature_name=no_such_feature", null)).ExpectProblemAsync(404);
        Assert.Contains("feature_name", (await (await owner.PostAsync($"{OnlineStoreWait.StatusUrl}/backfill?feature_name=Bad*Name", null)).ExpectProblemAsync(400)).ToJsonString());
    }

    [Fact]
    public async Task A_features_ttl_hides_older_values_on_owner_and_replica_alike_and_expires_the_key()
    {
        var redis = await TestRedis.GetAsync();
        var prefix = TestRedis.NewPrefix();
        await using var owner = new RegistryApiFactory();
        await ((IAsyncLifetime)owner).InitializeAsync();
        var settings = TestRedis.OwnerSettings(redis, prefix);
        settings["OnlineStore:FeatureTtl:ttl_a"] = "P1D";
        settings["OnlineStore:FeatureSetTtl:ttl_set"] = "PT1H";
        foreach (var (k, v) in settings) owner.Settings[k] = v;
        await using var replica = new RegistryApiFactory { ConnectionString = owner.ConnectionString };
        foreach (var (k, v) in settings) replica.Settings[k] = v;
        replica.Settings["DuckDb:Enabled"] = "false";
        var client = owner.CreateClient();
        await OnlineStoreWait.CompleteAsync(client);

        await client.CreateAsync(FeatureApi.Minimal("ttl_a"));
        await client.CreateSetAsync("ttl_set", "ttl_a@1.0.0");
        await client.CreateSetAsync("ttl_other", "ttl_a@1.0.0");
        var now = DateTimeOffset.UtcNow;
        string Ts(TimeSpan ago) => (now - ago).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        await client.IngestAsync("ttl_a", Row("old", Ts(TimeSpan.FromDays(2)), 1.0), Row("hours", Ts(TimeSpan.FromHours(3)), 2.0),
            Row("fresh", Ts(TimeSpan.FromMinutes(1)), 3.0));

        foreach (var api in new[] { client, replica.CreateClient() })
        {
            var latest = await api.GetJsonAsync($"{ValuesUrl("ttl_a")}/latest?entity_id=old&entity_id=hours&entity_id=fresh");
            Assert.Equal(["fresh", "hours"], latest["values"]!.AsArray().Select(v => (string)v!["entity_id"]!).Order());
            Assert.Equal(["old"], latest["missing_entities"]!.AsArray().Select(e => (string)e!));
            // The set's TTL (1 h) is shorter than the feature's (1 day): within it, only the fresh value.
            var inSet = await api.GetJsonAsync($"{FeatureSetApi.Url}/ttl_set/versions/1.0.0/online?entity_id=hours&entity_id=fresh");
            Assert.Equal(["ttl_a"], inSet["vectors"]![0]!["missing_features"]!.AsArray().Select(f => (string)f!));
            Assert.Equal(3.0, (double)inSet["vectors"]![1]!["values"]!["ttl_a"]!);
            var other = await api.GetJsonAsync($"{FeatureSetApi.Url}/ttl_other/versions/1.0.0/online?entity_id=hours");
            Assert.Equal(2.0, (double)other["vectors"]![0]!["values"]!["ttl_a"]!);
        }

        using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = mux.GetDatabase();
        Assert.False(await db.KeyExistsAsync($"{prefix}v:ttl_a:1:old")); // never written: already past its TTL
        var ttl = await db.KeyTimeToLiveAsync($"{prefix}v:ttl_a:1:hours");
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(20), TimeSpan.FromHours(21));
    }
}
