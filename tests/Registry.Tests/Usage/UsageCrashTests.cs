using System.Collections.Concurrent;
using System.Net;
using Npgsql;
using Registry.Postgres.LocalCluster;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Usage;

/// <summary>
/// Group commit (ADR 0040) under a crash: the real API is killed (SIGKILL), or PostgreSQL stopped, while clients record
/// usage, and afterwards every acknowledged record is there, with its id, and every counter equals its records.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)] // real processes, one killed mid-stream; a database stopped
[Trait("Store", TestStore.PostgreSqlOnly)]    // reads the tables after the crash, stops a cluster
public sealed class UsageCrashTests : IAsyncLifetime
{
    private const int Clients = 32;
    private readonly string _dir = Directory.CreateTempSubdirectory("registry-usage-crash-").FullName;
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await TestCluster.CreateDatabaseAsync("usage_crash");

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* best effort */ }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_kill_9_mid_stream_loses_no_acknowledged_record_or_count()
    {
        string[] features = ["crash_usage_a", "crash_usage_b", "crash_usage_c"];
        var acknowledged = new ConcurrentDictionary<string, (string Feature, long Id)>();
        var unexpected = new ConcurrentBag<string>();
        int cutOff;
        using (var api = await ApiProcess.StartAsync(_connectionString, _dir))
        {
            foreach (var feature in features) await api.Client.CreateAsync(FeatureApi.Minimal(feature));

            var workers = Enumerable.Range(0, Clients).Select(w => Task.Run(async () =>
            {
                for (var n = 0; ; n++)
                {
                    var feature = features[(w + n) % features.Length];
                    var body = UsageApi.Record(feature, model: $"crash_model_{w}");
                    body["execution_id"] = $"crash-{w}-{n}";
                    HttpResponseMessage response;
                    try
                    {
                        response = await api.Client.PostJsonAsync(UsageApi.Url, body.ToJsonString());
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // the process is gone: this request was never acknowledged
                    }
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        unexpected.Add($"{body["execution_id"]}: {(int)response.StatusCode}");
                        continue;
                    }
                    try
                    {
                        var record = await response.ReadJsonAsync();
                        acknowledged[(string)body["execution_id"]!] = (feature, (long)record["id"]!);
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException)
                    {
                        return; // killed while the answer was being read: not acknowledged either
                    }
                }
            })).ToList();

            // Mid-stream: the writer has groups queued and one in flight when the process dies.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (acknowledged.Count < 500 && DateTime.UtcNow < deadline && workers.All(t => !t.IsCompleted)) await Task.Delay(10);
            api.Kill();
            cutOff = acknowledged.Count;
            await Task.WhenAll(workers);
        }
        Assert.Empty(unexpected);
        Assert.True(cutOff >= 500, $"only {cutOff} records were acknowledged before the kill");

        using var again = await ApiProcess.StartAsync(_connectionString, _dir);
        var stored = new Dictionary<string, (string Feature, long Id)>();
        await using (var dataSource = NpgsqlDataSource.Create(_connectionString))
        {
            await using var cmd = dataSource.CreateCommand("SELECT execution_id, feature_name, id FROM feature_usage");
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) stored[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2));
        }
        // Every acknowledged record is there as it was answered; records committed whose answer was lost may be there too.
        var missing = acknowledged.Where(a => !stored.TryGetValue(a.Key, out var s) || s != a.Value).Select(a => a.Key).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged records are missing: {string.Join(", ", missing.Take(10))}");
        foreach (var feature in features)
        {
            var records = stored.Values.Count(s => s.Feature == feature);
            Assert.InRange(records, acknowledged.Values.Count(a => a.Feature == feature), int.MaxValue);
            // The counter moved in the records' transaction: it equals them, neither behind nor ahead.
            Assert.Equal(records, (long)(await again.Client.FeatureAsync(feature))["usage_count"]!);
            Assert.Equal(records, (long)(await again.Client.StatisticsAsync(feature))["total_usage"]!);
        }
    }
    [Fact]
    public async Task PostgreSQL_stopping_mid_stream_fails_the_groups_it_did_not_commit_and_nothing_acknowledged_is_lost()
    {
        // Not a CreateTempSubdirectory folder: that one is 0700, and as root the server runs as postgres.
        var pgDir = Path.Combine(Path.GetTempPath(), $"registry-usage-outage-{Guid.NewGuid():N}");
        var cluster = await LocalPostgresCluster.StartAsync(pgDir);
        try
        {
            await cluster.EnsureDatabaseAsync("usage_outage");
            var connectionString = cluster.ConnectionString("usage_outage");
            using var api = await ApiProcess.StartAsync(connectionString, _dir);
            await api.Client.CreateAsync(FeatureApi.Minimal("outage_usage"));

            var acknowledged = new ConcurrentDictionary<string, long>();
            var statuses = new ConcurrentQueue<int>();
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var body = UsageApi.Record("outage_usage");
                    body["execution_id"] = $"outage-{w}-{n}";
                    using var response = await api.Client.PostJsonAsync(UsageApi.Url, body.ToJsonString());
                    statuses.Enqueue((int)response.StatusCode);
                    if (response.StatusCode == HttpStatusCode.Created)
                        acknowledged[(string)body["execution_id"]!] = (long)(await response.ReadJsonAsync())["id"]!;
                    else await Task.Delay(20);
                }
            })).ToList();

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (acknowledged.Count < 200 && DateTime.UtcNow < deadline) await Task.Delay(10);
            var port = cluster.Port;
            await cluster.StopAsync();
            var downAt = statuses.Count;
            deadline = DateTime.UtcNow.AddSeconds(30);
            while (statuses.Skip(downAt).Count(s => s == 503) < 20 && DateTime.UtcNow < deadline) await Task.Delay(10);
            cluster = await LocalPostgresCluster.StartAsync(pgDir, port: port);
            // Back: the traffic succeeds again without restarting the API.
            var backAt = statuses.Count;
            deadline = DateTime.UtcNow.AddSeconds(30);
            while (!statuses.Skip(backAt).Any(s => s == 201) && DateTime.UtcNow < deadline) await Task.Delay(10);
            await stop.CancelAsync();
            await Task.WhenAll(workers);

            var all = statuses.ToList();
            Assert.All(all, s => Assert.True(s is 201 or 503, $"answers: {string.Join(", ", all.GroupBy(x => x).Select(g => $"{g.Count()} x {g.Key}"))}"));
            Assert.Contains(503, all);
            Assert.Contains(201, all.Skip(backAt)); // recovered by itself

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var stored = new Dictionary<string, long>();
            await using (var cmd = dataSource.CreateCommand("SELECT execution_id, id FROM feature_usage WHERE feature_name = 'outage_usage'"))
            await using (var reader = await cmd.ExecuteReaderAsync())
                while (await reader.ReadAsync()) stored[reader.GetString(0)] = reader.GetInt64(1);
            var missing = acknowledged.Where(a => !stored.TryGetValue(a.Key, out var id) || id != a.Value).Select(a => a.Key).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged records are missing: {string.Join(", ", missing.Take(10))}");
            Assert.Equal(stored.Count, (long)(await api.Client.FeatureAsync("outage_usage"))["usage_count"]!);
        }
        finally
        {
            await cluster.DisposeAsync();
            try { Directory.Delete(pgDir, recursive: true); } catch (IOException) { /* best effort */ } catch (UnauthorizedAccessException) { /* owned by postgres */ }
        }
    }
}
