using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Registry.Postgres.LocalCluster;
using Registry.Tests.Infrastructure;
using Xunit.Abstractions;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Reliability;

/// <summary>
/// PostgreSQL stopped while requests flow, then started again on the same folder and port: the API answers 503
/// problems (never a 500, never a crash), readiness fails while liveness holds, and it recovers by itself with every
/// acknowledged write intact.
/// </summary>
[Trait("Store", TestStore.PostgreSqlOnly)] // stops and starts a PostgreSQL server of its own
[Trait(TestCategory.Name, TestCategory.Slow)] // a database outage
public sealed class PostgresOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    // Not a CreateTempSubdirectory folder: that one is 0700, and as root the server runs as postgres.
    private readonly string _pgDir = Path.Combine(Path.GetTempPath(), $"registry-outage-{Guid.NewGuid():N}");
    private readonly string _valuesDir = Directory.CreateTempSubdirectory("registry-outage-values-").FullName;
    private LocalPostgresCluster? _cluster;

    private sealed class OutageFactory(string connectionString, string valuesDir) : WebApplicationFactory<Program>
    {
        private readonly string _key = "outage-test-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Registry", connectionString);
            builder.UseSetting("DuckDb:Path", Path.Combine(valuesDir, "values.duckdb"));
            builder.UseSetting("DuckDb:TempDirectory", Path.Combine(valuesDir, "tmp"));
            // Ready for API keys and per-key rate limits (issue 7): a bootstrap key the client sends, limits out of the way.
            builder.UseSetting("Auth:BootstrapKey", _key);
            builder.UseSetting("RateLimit:PermitsPerSecond", "1000000");
            builder.UseSetting("RateLimit:Burst", "1000000");
        }

        protected override void ConfigureClient(HttpClient client)
        {
            base.ConfigureClient(client);
            client.DefaultRequestHeaders.Add("X-API-Key", _key);
        }
    }

    public async Task InitializeAsync()
    {
        _cluster = await LocalPostgresCluster.StartAsync(_pgDir);
        await _cluster.EnsureDatabaseAsync("outage");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        foreach (var dir in new[] { _pgDir, _valuesDir })
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { /* best effort */ }
        }
    }

    [Fact]
    public async Task While_postgres_is_down_requests_get_503_and_the_api_recovers_by_itself_when_it_returns()
    {
        var port = _cluster!.Port;
        await using var factory = new OutageFactory(_cluster.ConnectionString("outage"), _valuesDir);
        var client = factory.CreateClient();
        await client.CreateAsync(FeatureApi.Minimal("outage_close"));
        await client.IngestAsync("outage_close", Enumerable.Range(0, 20).Select(i => Row("AAPL", Day(i), 100 + i)).ToArray());

        // Traffic of reads and writes throughout: the outage, the restart and the recovery.
        var answers = new ConcurrentQueue<Answer>();
        var created = new ConcurrentBag<string>();
        using var stopTraffic = new CancellationTokenSource();
        var traffic = Enumerable.Range(0, 3).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stopTraffic.IsCancellationRequested; i++)
            {
                var name = $"outage_w{worker}_{i}";
                using var response = (i % 3) switch
                {
                    0 => await client.GetAsync($"{FeatureApi.Url}/outage_close"),
                    1 => await client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal(name).ToJsonString()),
                    _ => await client.GetAsync($"{ValuesUrl("outage_close")}?entity_id=AAPL"),
                };
                var answer = await Answer.ReadAsync(response);
                answers.Enqueue(answer);
                if (answer.Status == 201) created.Add(name);
                await Task.Delay(10);
            }
        })).ToList();

        await Task.Delay(300);
        await _cluster.StopAsync();

        // Down: every kind of request is a 503 problem with Retry-After; readiness fails, liveness holds.
        foreach (var request in new Func<Task<HttpResponseMessage>>[]
                 {
                     () => client.GetAsync($"{FeatureApi.Url}/outage_close"),
                     () => client.GetAsync(FeatureApi.Url),
                     () => client.PostJsonAsync(FeatureApi.Url, FeatureApi.Minimal("outage_refused").ToJsonString()),
                     () => client.PostRowsAsync("outage_close", [Row("MSFT", Day(0), 1)]),
                 })
        {
            using var response = await request();
            var problem = await response.ExpectProblemAsync(503);
            Assert.Equal("The registry database is unavailable.", (string?)problem["title"]);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 without Retry-After");
        }
        var ready = (await (await client.GetAsync("/health/ready")).ExpectAsync(503))!;
        Assert.Equal("unhealthy", (string?)ready["status"]);
        Assert.Equal("unhealthy", (string?)ready["checks"]!["postgresql"]!["status"]);
        Assert.Equal("healthy", (string?)ready["checks"]!["duckdb"]!["status"]);
        Assert.DoesNotContain("127.0.0.1", ready.ToJsonString(), StringComparison.Ordinal); // no server address in a public answer
        await (await client.GetAsync("/health/live")).ExpectAsync(200);

        // Back on the same folder and port: the API recovers without being restarted. Pooled connections from
        // before the outage are dead; the first answers may still be 503, never anything worse.
        _cluster = await LocalPostgresCluster.StartAsync(_pgDir, port: port);
        var recovery = new List<int>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync($"{FeatureApi.Url}/outage_close");
            recovery.Add((int)response.StatusCode);
            if (recovery.Count >= 5 && recovery.TakeLast(5).All(s => s == 200)) break;
            await Task.Delay(50);
        }
        Assert.All(recovery, s => Assert.True(s is 200 or 503, $"after the restart: {string.Join(", ", recovery)}"));
        Assert.True(recovery.Count >= 5 && recovery.TakeLast(5).All(s => s == 200), $"no recovery: {string.Join(", ", recovery)}");
        await (await client.GetAsync("/health/ready")).ExpectAsync(200);

        await Task.Delay(300); // some traffic after the recovery too
        await stopTraffic.CancelAsync();
        await Task.WhenAll(traffic);

        var all = answers.ToList();
        output.WriteLine($"{all.Count} answers during the run: {string.Join(", ", all.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} x {g.Key}"))}; " +
                         $"after the restart: {string.Join(" ", recovery)}");
        Assert.All(all, a => Assert.True(a.Status is 200 or 201 or 503, $"{a.Status}: {a.Body}"));
        Assert.All(all.Where(a => a.Status == 503), a => Assert.True(a.IsProblem && a.HasRetryAfter, a.Body));
        Assert.Contains(all, a => a.Status == 503);
        Assert.True(all.SkipWhile(a => a.Status != 503).Any(a => a.Status is 200 or 201), "the traffic never succeeded again");

        // Nothing acknowledged was lost; the data from before the outage is intact, and writes work again.
        foreach (var name in created) await (await client.GetAsync($"{FeatureApi.Url}/{name}")).ExpectAsync(200);
        Assert.Equal(20, (await client.ReadValuesAsync("outage_close", "?entity_id=AAPL")).Count);
        await client.IngestAsync("outage_close", Row("MSFT", Day(0), 1));
        await client.CreateAsync(FeatureApi.Minimal("outage_after"));
    }

    private sealed record Answer(int Status, bool IsProblem, bool HasRetryAfter, string Body)
    {
        public static async Task<Answer> ReadAsync(HttpResponseMessage response) => new(
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            response.Headers.RetryAfter is not null,
            await response.Content.ReadAsStringAsync());
    }
}
