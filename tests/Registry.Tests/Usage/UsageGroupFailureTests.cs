using Npgsql;
using Registry.Core.Common;
using Registry.Core.Usage;
using Registry.Postgres;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Usage;

/// <summary>
/// Groups that fail (ADR 0040), on the real PostgreSQL store: nothing of a failed group is stored and none of its
/// requests is acknowledged; a member naming a feature deleted meanwhile fails alone. Groups are made deterministic by
/// holding a feature's row lock from another connection: the writer waits on it with the first request, and the next
/// requests queue meanwhile, so they form the next group together.
/// </summary>
[Trait("Store", TestStore.PostgreSqlOnly)] // holds PostgreSQL row locks
public sealed class UsageGroupFailureTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();
    private NpgsqlDataSource _dataSource = null!;

    public Task InitializeAsync()
    {
        _ = factory.Server; // migrated
        _dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task A_failing_group_acknowledges_none_of_its_requests_and_stores_nothing()
    {
        await _client.CreateAsync(FeatureApi.Minimal("gf_block"));
        await _client.CreateAsync(FeatureApi.Minimal("gf_good"));
        await using var commit = new UsageGroupCommit(new PostgresUsageStore(_dataSource), new UsageGroupOptions());

        Task<IReadOnlyList<FeatureUsage>> first, good1, bad, good2;
        await using (await HoldRowLockAsync("gf_block"))
        {
            first = commit.RecordAsync([Usage("gf_block")], CancellationToken.None);
            await WaitForLockWaiterAsync();
            good1 = commit.RecordAsync([Usage("gf_good")], CancellationToken.None);
            // Past the service's validation (it never reaches a store from the API): the CHECK constraint fails the statement.
            bad = commit.RecordAsync([Usage("gf_good") with { CorrelationWithTarget = 2 }], CancellationToken.None);
            good2 = commit.RecordAsync([Usage("gf_good"), Usage("gf_good")], CancellationToken.None);
            Assert.False(good1.IsCompleted);
        }

        Assert.Single(await first);
        var failure = await Assert.ThrowsAsync<PostgresException>(() => bad);
        Assert.Equal(PostgresErrorCodes.CheckViolation, failure.SqlState);
        // The good requests of the failed group fail with it: none is acknowledged, none is stored.
        Assert.Same(failure, await Assert.ThrowsAsync<PostgresException>(() => good1));
        Assert.Same(failure, await Assert.ThrowsAsync<PostgresException>(() => good2));
        Assert.Equal((0L, 0L), await CountsAsync("gf_good"));

        // The writer goes on: the next group is stored and counted.
        Assert.Equal(2, (await commit.RecordAsync([Usage("gf_good"), Usage("gf_good")], CancellationToken.None)).Count);
        Assert.Equal((2L, 2L), await CountsAsync("gf_good"));
        Assert.Equal((1L, 1L), await CountsAsync("gf_block"));
    }

    [Fact]
    public async Task A_member_naming_a_deleted_feature_fails_alone()
    {
        await _client.CreateAsync(FeatureApi.Minimal("gf_block2"));
        await _client.CreateAsync(FeatureApi.Minimal("gf_kept"));
        await using var commit = new UsageGroupCommit(new PostgresUsageStore(_dataSource), new UsageGroupOptions());

        Task<IReadOnlyList<FeatureUsage>> first, kept, gone;
        await using (await HoldRowLockAsync("gf_block2"))
        {
            first = commit.RecordAsync([Usage("gf_block2")], CancellationToken.None);
            await WaitForLockWaiterAsync();
            kept = commit.RecordAsync([Usage("gf_kept")], CancellationToken.None);
            // As if the feature had been deleted between the service's check and the group: the whole member is left out.
            gone = commit.RecordAsync([Usage("gf_kept"), Usage("gf_never_created")], CancellationToken.None);
        }

        Assert.Single(await first);
        var stored = Assert.Single(await kept);
        Assert.True(stored.Id > 0);
        var problem = await Assert.ThrowsAsync<NotFoundException>(() => gone);
        Assert.Contains("gf_never_created", problem.Message, StringComparison.Ordinal);
        Assert.Equal((1L, 1L), await CountsAsync("gf_kept"));
    }

    [Fact]
    public async Task A_batch_larger_than_a_group_goes_alone_and_groups_keep_their_bound()
    {
        await _client.CreateAsync(FeatureApi.Minimal("gf_bound"));
        await _client.CreateAsync(FeatureApi.Minimal("gf_bound_block"));
        await using var commit = new UsageGroupCommit(new PostgresUsageStore(_dataSource), new UsageGroupOptions { MaxGroupRecords = 3 });

        var tasks = new List<Task<IReadOnlyList<FeatureUsage>>>();
        await using (await HoldRowLockAsync("gf_bound_block"))
        {
            tasks.Add(commit.RecordAsync([Usage("gf_bound_block")], CancellationToken.None));
            await WaitForLockWaiterAsync();
            tasks.Add(commit.RecordAsync([.. Enumerable.Range(0, 5).Select(_ => Usage("gf_bound"))], CancellationToken.None));
            for (var i = 0; i < 4; i++) tasks.Add(commit.RecordAsync([Usage("gf_bound"), Usage("gf_bound")], CancellationToken.None));
        }
        await Task.WhenAll(tasks);

        Assert.Equal((13L, 13L), await CountsAsync("gf_bound"));
        // Transactions by recorded_at: the batch of 5 alone, then at most 3 records each (the pairs cannot share one).
        await using var cmd = _dataSource.CreateCommand(
            "SELECT count(*) FROM feature_usage WHERE feature_name = 'gf_bound' GROUP BY recorded_at ORDER BY min(id)");
        var sizes = new List<long>();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) sizes.Add(reader.GetInt64(0));
        Assert.Equal([5L, 2, 2, 2, 2], sizes);
    }

    [Fact]
    public async Task A_feature_deleted_by_hand_after_its_version_was_known_is_a_404()
    {
        await _client.CreateAsync(FeatureApi.Minimal("gf_by_hand"));
        await _client.RecordAsync(UsageApi.Record("gf_by_hand")); // this process now knows 1.0.0 is published (ADR 0041)
        await using (var delete = _dataSource.CreateCommand("DELETE FROM features WHERE feature_name = 'gf_by_hand'"))
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());

        // The service trusts what it knows, and the group's lock finds the row gone: a 404, not a 500, and nothing stored.
        var problem = await (await _client.PostJsonAsync(UsageApi.Url, UsageApi.Record("gf_by_hand").ToJsonString())).ExpectProblemAsync(404);
        Assert.Contains("gf_by_hand", (string)problem["detail"]!, StringComparison.Ordinal);
        await using var count = _dataSource.CreateCommand("SELECT count(*) FROM feature_usage WHERE feature_name = 'gf_by_hand'");
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    private static FeatureUsage Usage(string feature) => new()
    {
        FeatureName = feature,
        FeatureVersion = "1.0.0",
        UsedByModel = "gf_model",
        ModelVersion = "1",
        Environment = UsageEnvironment.Production,
        UsageTimestamp = DateTimeOffset.UtcNow.ToMicroseconds(),
    };

    /// <summary>A transaction holding the feature's row lock until disposed (rolled back).</summary>
    private async Task<RowLock> HoldRowLockAsync(string feature)
    {
        var connection = await _dataSource.OpenConnectionAsync();
        var tx = await connection.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM features WHERE feature_name = $1 FOR UPDATE", connection, tx);
        cmd.Parameters.Add(new() { Value = feature });
        await cmd.ExecuteScalarAsync();
        return new RowLock(connection, tx);
    }

    private sealed class RowLock(NpgsqlConnection connection, NpgsqlTransaction tx) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await tx.RollbackAsync();
            await tx.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>Until a backend of this database waits for a row lock: the writer holds the first group open.</summary>
    private async Task WaitForLockWaiterAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            await using var cmd = _dataSource.CreateCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
            if ((long)(await cmd.ExecuteScalarAsync())! > 0) return;
            await Task.Delay(20);
        }
        Assert.Fail("the writer never waited for the row lock");
    }

    private async Task<(long Records, long UsageCount)> CountsAsync(string feature)
    {
        await using var cmd = _dataSource.CreateCommand(
            "SELECT (SELECT count(*) FROM feature_usage WHERE feature_name = $1), usage_count FROM features WHERE feature_name = $1");
        cmd.Parameters.Add(new() { Value = feature });
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
