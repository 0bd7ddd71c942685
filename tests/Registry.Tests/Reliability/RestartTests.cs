using Registry.Tests.Infrastructure;

namespace Registry.Tests.Reliability;

/// <summary>
/// The API as a real process, stopped the way an orchestrator stops it (SIGTERM) and started again on the same
/// PostgreSQL database and DuckDB file: every acknowledged definition, version, value, usage record and feature set
/// reads back exactly as before, and the API takes writes again.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)] // real processes, stopped and restarted
public sealed class RestartTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("registry-restart-").FullName;
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await TestStore.CreateDatabaseAsync("restart");

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* best effort */ }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_graceful_restart_loses_nothing_that_was_acknowledged()
    {
        Dictionary<string, string> before;
        using (var api = await ApiProcess.StartAsync(_connectionString, _dir))
        {
            await RegistrySeed.SeedAsync(api.Client);
            before = await ReadAllAsync(api.Client);
            await api.StopAsync();
            Assert.Equal(0, api.ExitCode); // a clean shutdown, not a crash
        }

        using var again = await ApiProcess.StartAsync(_connectionString, _dir);
        var after = await ReadAllAsync(again.Client);
        foreach (var (url, body) in before) Assert.True(body == after[url], $"{url} changed across the restart:\n{body}\n{after[url]}");
        Assert.Contains("\"AAPL\"", before[$"{ValueApi.ValuesUrl(RegistrySeed.Average)}?limit=1000"], StringComparison.Ordinal); // the reads were not empty

        await again.Client.IngestAsync(RegistrySeed.Close, ValueApi.Row("NVDA", ValueApi.Day(0), 120.5));
        await again.Client.CreateAsync(FeatureApi.Minimal("after_restart"));
    }

    private static async Task<Dictionary<string, string>> ReadAllAsync(HttpClient client)
    {
        var reads = new Dictionary<string, string>();
        foreach (var url in RegistrySeed.Reads)
        {
            using var response = await client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {body}");
            reads[url] = body;
        }
        return reads;
    }
}
