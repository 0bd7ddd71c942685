using System.Collections.Concurrent;
using System.Net;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Values;

/// <summary>
/// The API as a real process, killed with SIGKILL in the middle of bulk ingests and started again: every acknowledged
/// batch is there, whole, and no batch is there in part.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)] // real processes, killed
public sealed class KillTests : IAsyncLifetime
{
    private const int RowsPerBatch = 500;
    private readonly string _dir = Directory.CreateTempSubdirectory("registry-kill-").FullName;
    private string _connectionString = "";
    private ApiProcess? _api;

    public async Task InitializeAsync() => _connectionString = await TestStore.CreateDatabaseAsync("kill");

    public Task DisposeAsync()
    {
        _api?.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* best effort */ }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Acknowledged_batches_survive_a_kill_9_and_no_batch_is_partial()
    {
        using var client = await StartAsync();
        await client.CreateAsync(FeatureApi.Minimal("kill_bulk"));

        var acknowledged = new ConcurrentBag<int>();
        var sent = new ConcurrentBag<int>();
        var next = -1;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var batch = Interlocked.Increment(ref next);
                sent.Add(batch);
                var csv = "entity_id,event_ts,value\n" + string.Concat(Enumerable.Range(0, RowsPerBatch).Select(i => $"batch_{batch},{Day(i)},{i}\n"));
                try
                {
                    var response = await client.PostCsvAsync("kill_bulk", csv);
                    if (response.StatusCode == HttpStatusCode.OK) acknowledged.Add(batch);
                }
                catch (HttpRequestException) { return; } // the server is gone
                catch (TaskCanceledException) { return; }
            }
        })).ToList();

        // Let some batches be acknowledged, then kill while others are in flight.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (acknowledged.Count < 8 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Kill();
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(acknowledged.Count >= 8, $"only {acknowledged.Count} batches were acknowledged before the kill");

        using var again = await StartAsync();
        foreach (var batch in sent)
        {
            var rows = await again.ReadValuesAsync("kill_bulk", $"?entity_id=batch_{batch}&limit={RowsPerBatch * 2}");
            if (acknowledged.Contains(batch)) Assert.Equal(RowsPerBatch, rows.Count);
            else Assert.True(rows.Count is 0 or RowsPerBatch, $"batch {batch} is partial: {rows.Count} rows");
        }
        var total = (await (await again.GetAsync($"{ValuesUrl("kill_bulk")}/stats")).ExpectAsync(200))!;
        Assert.Equal(0, (long)total["rows"]! % RowsPerBatch);
        Assert.True((long)total["rows"]! >= acknowledged.Count * RowsPerBatch);
    }

    private async Task<HttpClient> StartAsync()
    {
        _api?.Dispose();
        _api = await ApiProcess.StartAsync(_connectionString, _dir);
        return _api.Client;
    }

    /// <summary>SIGKILL: no shutdown hook, no checkpoint, no flush.</summary>
    private void Kill() => _api?.Kill();
}
