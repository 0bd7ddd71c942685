using System.Text.Json.Nodes;
using Registry.Redis.LocalServer;
using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.OnlineStore;

/// <summary>
/// The topology of docs/scaling.md in one test: the values owner (an in-process API with its DuckDB file and the online
/// store on) and a replica (a second API process, DuckDb:Enabled=false) over one registry database and one Redis.
/// </summary>
public sealed class OnlineStoreApis : IAsyncLifetime
{
    public RegistryApiFactory Owner { get; } = new();

    public ApiProcess Replica { get; private set; } = null!;

    public string Prefix { get; } = TestRedis.NewPrefix();

    public LocalRedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await TestRedis.GetAsync();
        await ((IAsyncLifetime)Owner).InitializeAsync();
        foreach (var (k, v) in TestRedis.OwnerSettings(Redis, Prefix)) Owner.Settings[k] = v;
        _ = Owner.Server; // start the owner, which backfills the (empty) online store and marks it complete
        Replica = await StartReplicaAsync(Owner.ConnectionString, Redis.Configuration, Prefix, _replicaDirectory);
        await OnlineStoreWait.CompleteAsync(Owner.CreateClient());
    }

    private readonly string _replicaDirectory = Directory.CreateTempSubdirectory("registry-replica-").FullName;

    public static Task<ApiProcess> StartReplicaAsync(string connectionString, string redis, string prefix, string directory) =>
        ApiProcess.StartAsync(connectionString, directory, new Dictionary<string, string?>
        {
            ["DuckDb:Enabled"] = "false",
            ["OnlineStore:Redis"] = redis,
            ["OnlineStore:KeyPrefix"] = prefix,
        });

    public async Task DisposeAsync()
    {
        Replica?.Dispose();
        await ((IAsyncLifetime)Owner).DisposeAsync();
        try { Directory.Delete(_replicaDirectory, recursive: true); } catch (IOException) { /* best effort */ }
    }
}

public static class OnlineStoreWait
{
    public const string StatusUrl = "/api/v1/online-store";

    /// <summary>Waits (at most 30 s) until the owner reports a complete online store with nothing pending.</summary>
    public static async Task<JsonNode> CompleteAsync(HttpClient owner)
    {
        JsonNode? status = null;
        for (var i = 0; i < 300; i++)
        {
            status = await owner.GetJsonAsync(StatusUrl);
            if (status["complete"]?.GetValue<bool>() == true && (long?)status["pending_features"] == 0
                && (string?)status["backfill"]?["state"] != "running")
                return status;
            await Task.Delay(100);
        }
        throw new TimeoutException($"The online store did not become complete: {status?.ToJsonString()}");
    }

    /// <summary>The JSON of an answer without what depends on the instant it was served (as_of, served_at, ages).</summary>
    public static string Timeless(JsonNode answer)
    {
        var copy = answer.DeepClone().AsObject();
        copy.Remove("as_of");
        copy.Remove("served_at");
        if (copy["values"] is JsonArray values)
            foreach (var v in values) v!.AsObject().Remove("age_seconds");
        if (copy["vectors"] is JsonArray vectors)
            foreach (var v in vectors) v!.AsObject().Remove("age_seconds");
        return copy.ToJsonString();
    }
}
