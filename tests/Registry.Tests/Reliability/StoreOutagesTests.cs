using System.Net.Sockets;
using Registry.Core.Common;

namespace Registry.Tests.Reliability;

/// <summary>
/// The proxy every registry store is registered behind: an outage leaves as StoreUnavailableException however the member
/// fails (a synchronous throw, a faulted task, a failing stream), and every other exception passes untouched. The store
/// here is a plain class failing on purpose; the real outages are PostgresOutageTests' (PostgreSQL stopped mid-traffic).
/// </summary>
public sealed class StoreOutagesTests
{
    public interface IProbeStore
    {
        int Sync(bool outage);
        Task Plain(bool outage);
        Task<string> Value(bool outage);
        IAsyncEnumerable<int> Rows(bool outage);
    }

    private sealed class FailingStore : IProbeStore
    {
        private static Exception Fail(bool outage) => outage ? new SocketException(111) : new InvalidOperationException("a bug");

        public int Sync(bool outage) => throw Fail(outage);

        public async Task Plain(bool outage)
        {
            await Task.Yield();
            throw Fail(outage);
        }

        public async Task<string> Value(bool outage)
        {
            await Task.Yield();
            return outage ? throw Fail(outage) : "ok";
        }

        public async IAsyncEnumerable<int> Rows(bool outage)
        {
            yield return 1;
            await Task.Yield();
            throw Fail(outage);
        }
    }

    private static readonly IProbeStore Store = StoreOutages<IProbeStore>.Wrap(new FailingStore(),
        e => e is SocketException ? new StoreUnavailableException("down", "retry", e) : null);

    [Fact]
    public async Task Outages_become_store_unavailable_however_the_member_fails()
    {
        Assert.IsType<SocketException>(Assert.Throws<StoreUnavailableException>(() => Store.Sync(true)).InnerException);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => Store.Plain(true));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => Store.Value(true));
        var seen = new List<int>();
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => { await foreach (var r in Store.Rows(true)) seen.Add(r); });
        Assert.Equal([1], seen); // rows before the failure still arrive
    }

    [Fact]
    public async Task Other_failures_pass_untouched_and_results_arrive()
    {
        var bug = Assert.Throws<InvalidOperationException>(() => Store.Sync(false));
        Assert.Contains(nameof(FailingStore), bug.StackTrace, StringComparison.Ordinal); // the original stack, not the proxy's
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.Plain(false));
        Assert.Equal("ok", await Store.Value(false));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => { await foreach (var _ in Store.Rows(false)) { } });
    }
}
