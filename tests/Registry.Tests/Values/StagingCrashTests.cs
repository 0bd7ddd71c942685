using System.Net;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Values;

/// <summary>
/// An upload cut short by a crash: the API is killed (SIGKILL) while it spools a CSV body to its staging folder, and
/// after a restart on the same data nothing of that upload is left, and the folder is private.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Slow)] // real processes, killed mid-upload
public sealed class StagingCrashTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("registry-staging-").FullName;
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await TestCluster.CreateDatabaseAsync("staging");

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* best effort */ }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_kill_9_during_a_staged_upload_leaves_nothing_after_restart()
    {
        string staging;
        using (var api = await ApiProcess.StartAsync(_connectionString, _dir))
        {
            await api.Client.CreateAsync(FeatureApi.Minimal("crash_upload"));
            staging = Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "tmp"), "values.duckdb.staging-*"));

            // A body that sends its header and some rows, then waits: the spool file exists and is growing.
            var release = new TaskCompletionSource();
            var content = new SlowCsv(release.Task);
            var upload = api.Client.PostAsync($"{FeatureApi.Url}/crash_upload/values", content);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (Directory.GetFiles(staging).Length == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
            var spooled = Assert.Single(Directory.GetFiles(staging));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(spooled));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(staging));
            }
            Assert.Matches("^upload_[0-9a-f]{32}\\.csv$", Path.GetFileName(spooled));

            api.Kill();
            release.TrySetResult();
            await Assert.ThrowsAnyAsync<Exception>(() => upload);
            Assert.True(File.Exists(spooled)); // what a crash leaves, until the next start
        }

        using var again = await ApiProcess.StartAsync(_connectionString, _dir);
        Assert.Empty(Directory.GetFileSystemEntries(staging));
        // And the store works: the same upload goes through.
        var csv = new StringContent("entity_id,event_ts,value\nA,2024-01-01T00:00:00Z,1\n", System.Text.Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await again.Client.PostAsync($"{FeatureApi.Url}/crash_upload/values", csv)).StatusCode);
        Assert.Empty(Directory.GetFileSystemEntries(staging));
    }

    /// <summary>A CSV body whose end never comes until <paramref name="release"/> completes.</summary>
    private sealed class SlowCsv(Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var head = System.Text.Encoding.UTF8.GetBytes("entity_id,event_ts,value\n" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"E{i},2024-01-01T00:00:00Z,{i}\n")));
            await stream.WriteAsync(head);
            await stream.FlushAsync();
            await release;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
            return false;
        }
    }
}
