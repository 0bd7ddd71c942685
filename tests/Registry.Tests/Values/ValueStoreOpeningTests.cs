using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.DuckDb;
using Registry.DuckDb.Values;

namespace Registry.Tests.Values;

/// <summary>
/// The values database opens beside the rest of the start (ADR 0050): readiness is not ready until it is open and says
/// why, its users wait for it, and a file that cannot be opened stops the API with exit code 1 as a failed start did.
/// </summary>
public sealed class ValueStoreOpeningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("duck-opening-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Readiness_says_opening_until_the_file_is_open_and_users_wait_for_it()
    {
        var options = new ValueStoreOptions { Path = Path.Combine(_dir, "values.duckdb") };
        var staging = StagingArea.For(options);
        using var gate = new ManualResetEventSlim();
        using var opening = new DuckDbOpening(() =>
        {
            gate.Wait();
            var db = DuckDbDatabase.Open(options.Path);
            staging.Prepare();
            return db;
        });
        var health = new DuckDbHealthCheck(opening, staging);

        var before = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Equal(DuckDbHealthCheck.Opening, before.Description);
        Assert.False(opening.IsOpen);

        // A user arriving meanwhile waits for the open rather than failing.
        var user = Task.Run(() => opening.Database);
        await Task.Delay(50);
        Assert.False(user.IsCompleted);
        gate.Set();
        Assert.Same(await user, opening.Database);
        Assert.True(opening.IsOpen);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public async Task A_file_that_cannot_be_opened_stops_the_API_with_exit_code_1_and_readiness_says_why()
    {
        var path = Path.Combine(_dir, "values.duckdb");
        using var holder = DuckDbDatabase.Open(path); // the file is already open in this process: a second open is refused
        var staging = StagingArea.For(new ValueStoreOptions { Path = path });
        using var opening = new DuckDbOpening(() => DuckDbDatabase.Open(path));
        using var lifetime = new Lifetime();
        var exitCode = 0;
        var watch = new DuckDbOpenWatch(opening, lifetime, NullLogger<DuckDbOpenWatch>.Instance, code => exitCode = code);

        await watch.StartAsync(CancellationToken.None);
        await opening.Completion;
        await Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping).ContinueWith(_ => { }).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, exitCode);
        Assert.IsType<DuckDbSchemaException>(opening.Failure);
        Assert.Throws<DuckDbSchemaException>(() => opening.Database);
        var health = await new DuckDbHealthCheck(opening, staging).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal("The values database could not be opened.", health.Description);
        Assert.IsType<DuckDbSchemaException>(health.Exception);
    }

    [Fact]
    public async Task A_file_that_opens_leaves_the_API_running()
    {
        using var opening = new DuckDbOpening(() => DuckDbDatabase.Open(Path.Combine(_dir, "values.duckdb")));
        using var lifetime = new Lifetime();
        var exitCode = 0;
        await new DuckDbOpenWatch(opening, lifetime, NullLogger<DuckDbOpenWatch>.Instance, code => exitCode = code).StartAsync(CancellationToken.None);
        await opening.Completion;
        await Task.Delay(100);
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
        Assert.Equal(0, exitCode);
    }

    private sealed class Lifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => _stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => _stopping.Cancel();
        public void Dispose() => _stopping.Dispose();
    }
}
