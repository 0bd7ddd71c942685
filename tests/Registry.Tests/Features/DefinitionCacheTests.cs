using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Core.Features;
using Registry.Core.Usage;
using Registry.Core.Values;
using Registry.Core.Versions;
using Registry.Postgres;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Features;

/// <summary>
/// The in-memory definition cache (ADR 0016): a GET answers from memory, and no change is ever hidden by it, whether
/// made through this process (forgotten at commit), by another process or by hand (forgotten on PostgreSQL's
/// notification), or while the notifications are down (the cache stops answering).
/// </summary>
[Trait("Store", TestStore.PostgreSqlOnly)] // drives LISTEN/NOTIFY and PostgreSQL backends
public sealed class DefinitionCacheTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>
{
    private static readonly TimeSpan NotificationWait = TimeSpan.FromSeconds(10);

    private readonly HttpClient _client = factory.CreateClient();

    private FeatureDefinitionCache Cache => factory.Services.GetRequiredService<FeatureDefinitionCache>();

    private static string Url(string name) => $"{FeatureApi.Url}/{name}";

    private async Task<JsonNode> GetAsync(string name) => (await (await _client.GetAsync(Url(name))).ExpectAsync(200))!;

    private async Task ExecuteSqlAsync(string sql, params object[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        await using var cmd = dataSource.CreateCommand(sql);
        foreach (var p in parameters) cmd.Parameters.Add(new() { Value = p });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Polls until <paramref name="done"/> holds; notifications arrive asynchronously, in milliseconds.</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> done)
    {
        var until = DateTime.UtcNow + NotificationWait;
        while (DateTime.UtcNow < until)
        {
            if (await done()) return true;
            await Task.Delay(20);
        }
        return await done();
    }

    private async Task WaitUntilListeningAsync() =>
        Assert.True(await EventuallyAsync(() => Task.FromResult(Cache.IsLive)), "the change listener did not connect");

    [Fact]
    public async Task A_second_read_is_answered_from_memory()
    {
        await WaitUntilListeningAsync();
        await _client.CreateAsync("dc_memory");

        var first = await GetAsync("dc_memory");
        Assert.True(await EventuallyAsync(async () =>
        {
            // The create's own notification may arrive after the first read kept the entry, and forget it once more.
            await GetAsync("dc_memory");
            return Cache.Count > 0 && await CachedAsync("dc_memory");
        }));
        Assert.Equal(first.ToJsonString(), (await GetAsync("dc_memory")).ToJsonString());
    }

    private async Task<bool> CachedAsync(string name)
    {
        // Loading through the cache with a loader that fails proves the entry is there.
        try
        {
            return await Cache.GetAsync(name, (_, _) => throw new InvalidOperationException("not cached"), CancellationToken.None) is not null;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_change_made_by_hand_in_PostgreSQL_reaches_the_cache()
    {
        await WaitUntilListeningAsync();
        await _client.CreateAsync("dc_by_hand");
        await GetAsync("dc_by_hand");
        await GetAsync("dc_by_hand");

        // Another replica, a migration or an operator in psql: the API process is not told, PostgreSQL notifies.
        await ExecuteSqlAsync("UPDATE features SET description = 'changed elsewhere' WHERE feature_name = $1", "dc_by_hand");

        Assert.True(await EventuallyAsync(async () => (string?)(await GetAsync("dc_by_hand"))["description"] == "changed elsewhere"));
    }

    [Fact]
    public async Task A_new_downstream_edge_made_elsewhere_reaches_the_upstream_features_answer()
    {
        await WaitUntilListeningAsync();
        await _client.CreateAsync("dc_edge_up");
        await _client.CreateAsync("dc_edge_down");
        Assert.Empty((await GetAsync("dc_edge_up"))["downstream_features"]!.AsArray());
        await GetAsync("dc_edge_up");

        await ExecuteSqlAsync("INSERT INTO feature_upstreams (feature_name, upstream_name, position) VALUES ($1, $2, 1)",
            "dc_edge_down", "dc_edge_up");

        Assert.True(await EventuallyAsync(async () =>
            (await GetAsync("dc_edge_up"))["downstream_features"]!.AsArray().Select(n => (string?)n).SequenceEqual(["dc_edge_down"])));
    }

    [Fact]
    public async Task While_the_listener_is_disconnected_reads_go_to_PostgreSQL_and_it_reconnects()
    {
        await WaitUntilListeningAsync();
        await _client.CreateAsync("dc_outage");
        await GetAsync("dc_outage");
        await GetAsync("dc_outage");
        var pid = Cache.ListenerProcessId;
        Assert.NotEqual(0, pid);

        await ExecuteSqlAsync("SELECT pg_terminate_backend($1)", pid);
        // A change while no notification can be heard must still be seen, before and after the listener is back.
        await ExecuteSqlAsync("UPDATE features SET owner = 'ops-team' WHERE feature_name = $1", "dc_outage");
        Assert.True(await EventuallyAsync(async () => (string?)(await GetAsync("dc_outage"))["owner"] == "ops-team"));

        Assert.True(await EventuallyAsync(() => Task.FromResult(Cache.IsLive && Cache.ListenerProcessId != pid)),
            "the listener did not reconnect");
        await GetAsync("dc_outage");
        await ExecuteSqlAsync("UPDATE features SET owner = 'risk-team' WHERE feature_name = $1", "dc_outage");
        Assert.True(await EventuallyAsync(async () => (string?)(await GetAsync("dc_outage"))["owner"] == "risk-team"));
    }

    [Fact]
    public async Task An_entry_read_while_a_change_is_forgotten_is_not_kept()
    {
        await WaitUntilListeningAsync();
        var created = await _client.CreateAsync("dc_race");
        var stale = new FeatureDefinition
        {
            FeatureName = "dc_race", CurrentVersion = "0.0.1", FeatureType = FeatureType.Raw, DataType = DataType.Float,
            Status = FeatureStatus.Draft, Owner = "stale", Entity = "entity_id",
        };
        Assert.NotNull(created);

        // The read started before the change committed and returns the older row; the change's forgetting runs meanwhile.
        var answer = await Cache.GetAsync("dc_race", (name, _) =>
        {
            Cache.Forget(name);
            return Task.FromResult<FeatureDefinition?>(stale);
        }, CancellationToken.None);

        Assert.Same(stale, answer);
        Assert.Equal("quant-team", (string?)(await GetAsync("dc_race"))["owner"]);
    }

    /// <summary>
    /// Every write path of this process forgets what it changed at commit, with no notification at all: the services run
    /// here over a store whose cache has no listener, so only the stores' own forgetting can keep the answers right.
    /// </summary>
    [Fact]
    public async Task Writes_through_this_process_are_seen_at_once_without_notifications()
    {
        _ = factory.Server; // migrated
        await using var dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        var cache = new FeatureDefinitionCache();
        cache.Connected(processId: 0); // answers from memory, and nothing but the stores will ever tell it of a change
        var store = new PostgresFeatureStore(dataSource, cache);
        var clock = TimeProvider.System;
        var sqlCheck = new SqlFeatureCheck(factory.Services.GetRequiredService<IValueStore>());
        var features = new FeatureService(store, clock, sqlCheck);
        var usage = new UsageService(new PostgresUsageStore(dataSource, cache), store, clock);
        var versions = new VersionService(store, store, new PostgresLineageStore(dataSource), clock, new ContractCache(clock), sqlCheck);
        var ct = CancellationToken.None;
        var caller = new Registry.Core.Auth.Caller("test", [Registry.Core.Auth.ApiKeyScope.Write], "definition-cache-test");

        await features.CreateAsync(Request("dcw_up"), caller, ct);
        await features.CreateAsync(Request("dcw_other"), caller, ct);
        Assert.Empty((await features.GetAsync("dcw_up", ct)).DownstreamFeatures);

        // Create: the upstream feature's downstream list.
        await features.CreateAsync(Request("dcw_down", upstream: "dcw_up"), caller, ct);
        Assert.Equal(["dcw_down"], (await features.GetAsync("dcw_up", ct)).DownstreamFeatures);
        Assert.Equal(1, (await features.GetAsync("dcw_down", ct)).Revision);

        // Update: the feature itself, its old upstream and its new one.
        await features.GetAsync("dcw_other", ct);
        await features.UpdateAsync("dcw_down", new UpdateFeatureRequest { Description = "moved", UpstreamFeatures = ["dcw_other"] }, null, ct);
        Assert.Equal("moved", (await features.GetAsync("dcw_down", ct)).Description);
        Assert.Empty((await features.GetAsync("dcw_up", ct)).DownstreamFeatures);
        Assert.Equal(["dcw_down"], (await features.GetAsync("dcw_other", ct)).DownstreamFeatures);

        // A version: the current version moves.
        await versions.CreateAsync("dcw_down", new CreateVersionRequest { Bump = VersionBump.Minor, Changelog = "window 21", CreatedBy = "quant-team" }, null, caller, ct);
        Assert.Equal("1.1.0", (await features.GetAsync("dcw_down", ct)).CurrentVersion);

        // Usage: the counters move without a revision.
        await usage.RecordAsync(new RecordUsageRequest
        {
            FeatureName = "dcw_down", FeatureVersion = "1.1.0", UsedByModel = "m", ModelVersion = "1", Environment = UsageEnvironment.Dev,
        }, ct);
        Assert.Equal(1, (await features.GetAsync("dcw_down", ct)).UsageCount);

        // And the answers were from memory between the writes: the cache held them.
        Assert.True(cache.Count >= 3, $"{cache.Count} entries");
    }

    [Fact]
    public async Task The_current_contract_is_kept_past_its_second_while_changes_are_heard_and_forgotten_on_a_change()
    {
        await WaitUntilListeningAsync();
        await _client.CreateAsync("dc_contract");
        var contracts = factory.Services.GetRequiredService<ContractCache>();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var resolved = await scope.ServiceProvider.GetRequiredService<ValueService>().CurrentScopeAsync("dc_contract", CancellationToken.None);
            Assert.Equal("1.0.0", resolved.FeatureVersion);
        }
        Assert.True(await EventuallyAsync(() => Task.FromResult(contracts.TryGet("dc_contract", out _))));

        // Without a live signal the entry would be gone after ContractCache.Lifetime.
        await Task.Delay(ContractCache.Lifetime + TimeSpan.FromMilliseconds(300));
        Assert.True(contracts.TryGet("dc_contract", out var kept));
        Assert.Equal("1.0.0", kept.FeatureVersion);

        // A change made elsewhere (here by hand) is heard, and the contract is resolved again on the next read.
        await ExecuteSqlAsync("UPDATE features SET description = 'touched' WHERE feature_name = $1", "dc_contract");
        Assert.True(await EventuallyAsync(() => Task.FromResult(!contracts.TryGet("dc_contract", out _))));
    }

    private static CreateFeatureRequest Request(string name, string? upstream = null) => new()
    {
        FeatureName = name, FeatureType = FeatureType.Raw, DataType = DataType.Float, Owner = "quant-team",
        UpstreamFeatures = upstream is null ? null : [upstream],
    };
}
