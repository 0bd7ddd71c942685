using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.OnlineStore;

/// <summary>Off by default: no Redis is needed or touched, and the online-store endpoints say so.</summary>
public sealed class OnlineStoreOffTests(SharedApi api) : IClassFixture<SharedApi>
{
    [Fact]
    public async Task Without_OnlineStore_Redis_the_store_is_off_and_a_backfill_is_a_409()
    {
        var client = api.CreateClient();
        var status = await client.GetJsonAsync(OnlineStoreWait.StatusUrl);
        Assert.Equal("off", (string)status["role"]!);
        Assert.Null(status["complete"]);
        var problem = await (await client.PostAsync($"{OnlineStoreWait.StatusUrl}/backfill", null)).ExpectProblemAsync(409);
        Assert.Contains("OnlineStore:Redis", (string)problem["detail"]!, StringComparison.Ordinal);
        var ready = await client.GetJsonAsync("/health/ready");
        Assert.Null(ready["checks"]!["redis"]);
    }

    [Fact]
    public void A_replica_without_an_online_store_does_not_start()
    {
        using var replica = new RegistryApiFactory { ConnectionString = api.ConnectionString };
        replica.Settings["DuckDb:Enabled"] = "false";
        var e = Assert.ThrowsAny<Exception>(() => replica.CreateClient());
        Assert.Contains("OnlineStore:Redis", e.ToString(), StringComparison.Ordinal);
    }
}
