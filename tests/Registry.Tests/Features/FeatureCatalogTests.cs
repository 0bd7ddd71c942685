using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Core.Features;
using Registry.Core.Lineage;
using Registry.Core.Values;
using Registry.Core.Versions;
using Registry.Postgres;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Features;

/// <summary>
/// Filtered lists and lineage walks from memory (ADR 0044): the same answers as PostgreSQL's statements, on a generated
/// graph; and never older than the definition cache's rules allow: this process's writes at once, others' on their
/// notification (another connection by hand, another API process), the store's answers while the listener is down.
/// </summary>
[Trait("Store", TestStore.PostgreSqlOnly)] // LISTEN/NOTIFY and the SQL walk are PostgreSQL's
public sealed class FeatureCatalogTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>
{
    private static readonly TimeSpan NotificationWait = TimeSpan.FromSeconds(15);
    private static readonly FeatureType[] Types = Enum.GetValues<FeatureType>();
    private static readonly string[] OptionalTags = ["a", "b", "c"];

    private readonly HttpClient _client = factory.CreateClient();

    private FeatureCatalog Catalog => factory.Services.GetRequiredService<FeatureCatalog>();

    private FeatureDefinitionCache Cache => factory.Services.GetRequiredService<FeatureDefinitionCache>();

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

    private async Task ExecuteSqlAsync(string sql, params object[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        await using var cmd = dataSource.CreateCommand(sql);
        foreach (var p in parameters) cmd.Parameters.Add(new() { Value = p });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Asks until the catalog answers from memory (its first use starts the load in the background).</summary>
    private static async Task WaitLoadedAsync(FeatureCatalog catalog, FeatureListQuery probe) =>
        Assert.True(await EventuallyAsync(async () => await catalog.ListAsync(probe, CancellationToken.None) is not null), "the catalog did not load");

    private static FeatureListQuery Query(string? owner = null, FeatureType? type = null, FeatureStatus? status = null, string[]? tags = null,
        int skip = 0, int limit = 50) => new(type, status, owner, tags ?? [], null, skip, limit);

    private async Task<List<string>> ListNamesAsync(string query) =>
        (await (await _client.GetAsync($"{FeatureApi.Url}?{query}")).ExpectAsync(200))!["features"]!.AsArray()
            .Select(f => (string)f!["feature_name"]!).ToList();

    private async Task<JsonNode> LineageAsync(string name, string query) =>
        (await (await _client.GetAsync($"{FeatureApi.Url}/{name}/lineage{query}")).ExpectAsync(200))!;

    private static List<string> Names(JsonNode? array, string key = "feature_name") => array!.AsArray().Select(x => (string)x![key]!).ToList();

    [Fact]
    public async Task Walks_edges_and_lists_from_memory_match_the_statements_on_a_generated_graph()
    {
        _ = factory.Server; // migrated
        await using var dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        // Written by a store of another "process": no cache of the API's is told, only its notifications.
        var writer = new PostgresFeatureStore(dataSource);
        var rng = new Random(21);
        var names = new List<string>();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 240; i++)
        {
            // Mostly recent upstream features, sometimes far ones: long chains, diamonds and wide fans alike.
            var upstream = names.Count == 0 ? [] : Enumerable.Range(0, rng.Next(0, 4))
                .Select(_ => names[rng.Next(2) == 0 ? Math.Max(0, names.Count - 1 - rng.Next(8)) : rng.Next(names.Count)])
                .Distinct().ToList();
            // Names out of creation order, and some whose ordinal order differs from a natural one (gc_10 < gc_9).
            var name = $"gc_{(i * 7919) % 1000}_{i}";
            string[] tags = ["gc", .. OptionalTags.Where(_ => rng.Next(2) == 0)];
            var feature = new FeatureDefinition
            {
                FeatureName = name, CurrentVersion = "1.0.0", FeatureType = Types[rng.Next(Types.Length)], DataType = DataType.Float,
                Status = (FeatureStatus)rng.Next(Enum.GetValues<FeatureStatus>().Length), Owner = $"gc_team_{rng.Next(4)}", Tags = tags,
                Entity = "entity_id", UpstreamFeatures = upstream, DuckDbTable = $"features.{name}", CreatedAt = now, UpdatedAt = now, Revision = 1,
            };
            await writer.CreateAsync(feature, new FeatureVersion { FeatureName = name, Version = "1.0.0", CreatedBy = "test", CreatedAt = now }, default);
            names.Add(name);
        }

        var all = Query(tags: ["gc"], limit: 1000);
        var expected = (await writer.ListAsync(all, default)).Total;
        await WaitLoadedAsync(Catalog, all);
        Assert.True(await EventuallyAsync(async () => (await Catalog.ListAsync(all, default))?.Total == expected), "the catalog did not hear every create");

        var sql = new PostgresLineageStore(dataSource);
        var roots = names.OrderBy(_ => rng.Next()).Take(60).ToList();
        var largest = 0;
        foreach (var root in roots)
            foreach (var (up, down) in new[] { (1, 0), (0, 1), (3, 0), (0, 4), (2, 5), (100, 100) })
            {
                var memory = await Catalog.WalkAsync(root, up, down, default);
                Assert.NotNull(memory);
                var statement = await sql.WalkInDatabaseAsync(root, up, down, default);
                Assert.Equal(statement, memory);
                largest = Math.Max(largest, memory.Count);
                var set = memory.Select(n => n.FeatureName).Append(root).ToList();
                Assert.Equal(await sql.GetEdgesInDatabaseAsync(set, default), await Catalog.EdgesAsync(set, default));
            }
        // The walks were not all trivial.
        Assert.True(largest >= 20, $"the largest walk reached {largest} features");

        // Lists: through the API's store (memory, then definitions from the cache) against the statement.
        var store = factory.Services.GetRequiredService<IFeatureStore>();
        var queries = new List<FeatureListQuery> { all, Query(tags: ["gc"], skip: 30, limit: 7), Query(tags: ["gc", "a", "c"]) };
        for (var t = 0; t < 4; t++)
        {
            queries.Add(Query(owner: $"gc_team_{t}"));
            queries.Add(Query(owner: $"gc_team_{t}", type: Types[t], tags: ["b"]));
            queries.Add(Query(owner: $"gc_team_{t}", status: FeatureStatus.Archived));
            queries.Add(Query(owner: $"gc_team_{t}", status: FeatureStatus.Active, skip: 3, limit: 4));
            queries.Add(Query(owner: $"gc_team_{t}", skip: 500));
        }
        queries.Add(Query(type: FeatureType.Derived, tags: ["gc"]));
        queries.Add(Query(owner: "nobody_here"));
        foreach (var query in queries)
        {
            Assert.NotNull(await Catalog.ListAsync(query, default));
            var fromMemory = await store.ListAsync(query, default);
            var fromSql = await writer.ListAsync(query, default);
            Assert.Equal(fromSql.Total, fromMemory.Total);
            Assert.Equal(fromSql.Features.Select(Summary), fromMemory.Features.Select(Summary));
        }
    }

    private static string Summary(FeatureDefinition f) =>
        $"{f.FeatureName}|{f.Owner}|{f.Status}|{f.FeatureType}|{string.Join(',', f.Tags)}|{string.Join(',', f.UpstreamFeatures)}|{string.Join(',', f.DownstreamFeatures)}|{f.Revision}";

    [Fact]
    public async Task Changes_committed_by_another_connection_or_process_reach_lists_and_lineage()
    {
        JsonObject Body(string name, string owner, params string[] upstream)
        {
            var body = FeatureApi.Minimal(name, owner: owner);
            body["tags"] = new JsonArray("ce");
            if (upstream.Length > 0) body["upstream_features"] = new JsonArray(upstream.Select(u => (JsonNode)u!).ToArray());
            return body;
        }
        await _client.CreateAsync(Body("ce_up", "ce_team"));
        await _client.CreateAsync(Body("ce_mid", "ce_team", "ce_up"));
        await _client.CreateAsync(Body("ce_other", "ce_team"));
        await WaitLoadedAsync(Catalog, Query(owner: "ce_team"));
        Assert.Equal(["ce_mid", "ce_other", "ce_up"], await ListNamesAsync("owner=ce_team"));

        // By hand, on another connection: an owner moves, an edge appears.
        await ExecuteSqlAsync("UPDATE features SET owner = 'ce_new_team' WHERE feature_name = 'ce_mid'");
        await ExecuteSqlAsync("INSERT INTO feature_upstreams (feature_name, upstream_name, position) VALUES ('ce_other', 'ce_up', 1)");
        Assert.True(await EventuallyAsync(async () => (await ListNamesAsync("owner=ce_new_team")).SequenceEqual(["ce_mid"])));
        Assert.Equal(["ce_other", "ce_up"], await ListNamesAsync("owner=ce_team"));
        Assert.True(await EventuallyAsync(async () =>
            Names((await LineageAsync("ce_up", "?recursive=true&direction=downstream"))["nodes"]).SequenceEqual(["ce_up", "ce_mid", "ce_other"])));
        var edges = (await LineageAsync("ce_up", "?recursive=true&direction=downstream"))["edges"]!.AsArray().Select(e => $"{e!["from"]}>{e!["to"]}");
        Assert.Equal(["ce_up>ce_mid", "ce_up>ce_other"], edges);

        // Another API process on the same registry registers a feature downstream.
        using (var other = new RegistryApiFactory { ConnectionString = factory.ConnectionString })
        {
            await other.CreateClient().CreateAsync(Body("ce_far", "ce_team", "ce_mid"));
        }
        Assert.True(await EventuallyAsync(async () =>
            (await ListNamesAsync("owner=ce_team&tags=ce")).SequenceEqual(["ce_far", "ce_other", "ce_up"])));
        Assert.True(await EventuallyAsync(async () =>
        {
            var up = await LineageAsync("ce_far", "?recursive=true&direction=upstream");
            return Names(up["nodes"]).SequenceEqual(["ce_far", "ce_mid", "ce_up"]);
        }));
        Assert.True(Catalog.IsLoaded);
    }

    /// <summary>
    /// Every write of this process is in the next list and walk with no notification at all: the services run here over
    /// stores whose cache has no listener, so only the stores' own forgetting (after each commit) can keep the answers right.
    /// </summary>
    [Fact]
    public async Task Writes_through_this_process_are_in_the_next_list_and_walk_without_notifications()
    {
        _ = factory.Server; // migrated
        await using var dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        var cache = new FeatureDefinitionCache();
        cache.Connected(processId: 0); // live, and nothing but the stores will ever signal a change
        using var catalog = new FeatureCatalog(cache, new PostgresCatalogSource(dataSource));
        var store = new PostgresFeatureStore(dataSource, cache, catalog);
        var lineageStore = new PostgresLineageStore(dataSource, catalog);
        var clock = TimeProvider.System;
        var sqlCheck = new SqlFeatureCheck(factory.Services.GetRequiredService<IValueStore>());
        var features = new FeatureService(store, clock, sqlCheck);
        var lineage = new LineageService(store, lineageStore);
        var ct = CancellationToken.None;
        var caller = new Registry.Core.Auth.Caller("test", [Registry.Core.Auth.ApiKeyScope.Write], "catalog-test");
        CreateFeatureRequest Request(string name, string owner, params string[] upstream) => new()
        {
            FeatureName = name, FeatureType = FeatureType.Raw, DataType = DataType.Float, Owner = owner, Tags = ["ow"], UpstreamFeatures = [.. upstream],
        };
        async Task<List<string>> List(string owner) =>
            (await features.ListAsync(Query(owner: owner), ct)).Features.Select(f => f.FeatureName).ToList();
        async Task<List<string>> Down(string name) =>
            (await lineage.GetLineageAsync(name, true, LineageDirection.Downstream, null, ct)).AllDownstream.ToList();

        await features.CreateAsync(Request("ow_a", "ow_team"), caller, ct);
        await WaitLoadedAsync(catalog, Query(owner: "ow_team"));

        await features.CreateAsync(Request("ow_b", "ow_team", "ow_a"), caller, ct);
        Assert.Equal(["ow_a", "ow_b"], await List("ow_team"));
        Assert.Equal(["ow_b"], await Down("ow_a"));

        await features.CreateAsync(Request("ow_c", "ow_other"), caller, ct);
        await features.UpdateAsync("ow_b", new UpdateFeatureRequest { Owner = "ow_other", UpstreamFeatures = ["ow_c"] }, null, ct);
        Assert.Equal(["ow_a"], await List("ow_team"));
        Assert.Equal(["ow_b", "ow_c"], await List("ow_other"));
        // A later page of a filter already answered (its matching names are kept until the next change).
        Assert.Equal(["ow_c"], (await features.ListAsync(Query(owner: "ow_other", skip: 1, limit: 1), ct)).Features.Select(f => f.FeatureName));
        Assert.Empty(await Down("ow_a"));
        Assert.Equal(["ow_b"], await Down("ow_c"));
        Assert.Equal(["ow_b"], (await features.ListAsync(Query(owner: "ow_other"), ct)).Features.Single(f => f.FeatureName == "ow_c").DownstreamFeatures);

        // Kept filters never stand for another filter: two tags are not one tag holding the separator (the API refuses NUL
        // in a tag; the catalog must not depend on it).
        var tagged = Request("ow_tags", "ow_team");
        tagged.Tags = ["cw", "cx"];
        await features.CreateAsync(tagged, caller, ct);
        Assert.Equal(["ow_tags"], (await catalog.ListAsync(Query(tags: ["cw", "cx"]), ct))!.Value.Names);
        Assert.Empty((await catalog.ListAsync(Query(tags: ["cw\0cx"]), ct))!.Value.Names);
        Assert.Empty((await catalog.ListAsync(Query(tags: ["2:cw2:cx"]), ct))!.Value.Names);

        // And the answers came from memory: the catalog answers these very queries itself.
        Assert.NotNull(await catalog.ListAsync(Query(owner: "ow_other"), ct));
        Assert.NotNull(await catalog.WalkAsync("ow_c", 0, 1, ct));
    }

    [Fact]
    public async Task While_the_listener_is_down_PostgreSQL_answers_and_after_it_reconnects_the_catalog_reloads()
    {
        var body = FeatureApi.Minimal("lo_feature", owner: "lo_team");
        await _client.CreateAsync(body);
        await WaitLoadedAsync(Catalog, Query(owner: "lo_team"));
        var pid = Cache.ListenerProcessId;
        Assert.NotEqual(0, pid);

        await ExecuteSqlAsync("SELECT pg_terminate_backend($1)", pid);
        await ExecuteSqlAsync("UPDATE features SET owner = 'lo_moved' WHERE feature_name = 'lo_feature'");
        // No notification can be heard: the answer must still be the database's.
        Assert.True(await EventuallyAsync(async () => (await ListNamesAsync("owner=lo_moved")).SequenceEqual(["lo_feature"])));
        Assert.Empty(await ListNamesAsync("owner=lo_team"));

        Assert.True(await EventuallyAsync(() => Task.FromResult(Cache.IsLive && Cache.ListenerProcessId != pid)), "the listener did not reconnect");
        await WaitLoadedAsync(Catalog, Query(owner: "lo_moved"));
        await ExecuteSqlAsync("UPDATE features SET owner = 'lo_team' WHERE feature_name = 'lo_feature'");
        Assert.True(await EventuallyAsync(async () => (await ListNamesAsync("owner=lo_team")).SequenceEqual(["lo_feature"])));
        Assert.Empty(await ListNamesAsync("owner=lo_moved"));
    }
}
