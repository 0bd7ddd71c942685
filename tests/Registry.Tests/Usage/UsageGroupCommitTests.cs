using System.Collections.Concurrent;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Usage;

/// <summary>
/// Usage recorded by group commit (ADR 0040), through the API: many clients at once lose nothing and count nothing
/// twice, and each client reads its own record everywhere as soon as its POST has answered.
/// </summary>
public sealed class UsageGroupCommitTests(RegistryApiFactory factory) : IClassFixture<RegistryApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Many_concurrent_clients_are_counted_exactly_and_share_transactions()
    {
        await _client.CreateAsync(FeatureApi.Minimal("gc_hot"));
        await _client.CreateAsync(FeatureApi.Minimal("gc_warm"));
        const int clients = 48;
        const int perClient = 5;

        // Each client records one after another; together they keep the writer busy, so records queue and share groups.
        var ids = new ConcurrentBag<long>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            using var client = factory.CreateClient();
            for (var i = 0; i < perClient; i++)
            {
                var body = UsageApi.Record(c % 3 == 0 ? "gc_warm" : "gc_hot", model: $"gc_model_{c}");
                body["execution_id"] = $"gc-{c}-{i}";
                ids.Add((long)(await client.RecordAsync(body))["id"]!);
            }
            // And a batch naming both features, so members of several records share groups with single ones.
            var batch = await (await client.PostJsonAsync(UsageApi.BatchUrl, UsageApi.Batch(
                UsageApi.Record("gc_hot", model: $"gc_model_{c}"), UsageApi.Record("gc_warm", model: $"gc_model_{c}")))).ExpectAsync(201);
            foreach (var record in batch!["records"]!.AsArray()) ids.Add((long)record!["id"]!);
        })));

        var warmClients = Enumerable.Range(0, clients).Count(c => c % 3 == 0);
        long expectedWarm = warmClients * perClient + clients, expectedHot = (clients - warmClients) * perClient + clients;
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(expectedHot + expectedWarm, ids.Count);
        foreach (var (name, expected) in new[] { ("gc_hot", expectedHot), ("gc_warm", expectedWarm) })
        {
            Assert.Equal(expected, (long)(await _client.FeatureAsync(name))["usage_count"]!);
            Assert.Equal(expected, (long)(await _client.UsageAsync(name, "?limit=1"))["total"]!);
            Assert.Equal(expected, (long)(await _client.StatisticsAsync(name))["total_usage"]!);
        }

        // recorded_at is the transaction's start: fewer distinct values than records means records shared a transaction.
        var recordedAt = new HashSet<string>();
        for (var skip = 0; skip < expectedHot; skip += 500)
        {
            foreach (var record in (await _client.UsageAsync("gc_hot", $"?skip={skip}&limit=500"))["usage"]!.AsArray())
                recordedAt.Add((string)record!["recorded_at"]!);
        }
        Assert.InRange(recordedAt.Count, 1, expectedHot - 1);
    }

    [Fact]
    public async Task Each_client_reads_its_own_record_everywhere_once_its_post_has_answered()
    {
        const int clients = 16;
        await _client.CreateAsync("gc_ryw_base");
        for (var c = 0; c < clients; c++) await _client.CreateAsync($"gc_ryw_{c}", "gc_ryw_base");
        // The definitions are read once first, so the in-memory cache holds them: the POST must make it forget.
        for (var c = 0; c < clients; c++) Assert.Equal(0, (long)(await _client.FeatureAsync($"gc_ryw_{c}"))["usage_count"]!);

        var failures = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            using var client = factory.CreateClient();
            var name = $"gc_ryw_{c}";
            var model = $"gc_ryw_model_{c}";
            for (var i = 1; i <= 3; i++)
            {
                var record = await client.RecordAsync(UsageApi.Record(name, model: model, at: $"2025-04-0{i}T00:00:00Z"));
                // No waiting, no retry: the answer came after the commit, so every read already sees it.
                var feature = await client.FeatureAsync(name);
                if ((long)feature["usage_count"]! != i) failures.Add($"{name}: usage_count {feature["usage_count"]} after {i} records");
                if ((string?)feature["last_used_at"] != $"2025-04-0{i}T00:00:00Z") failures.Add($"{name}: last_used_at {feature["last_used_at"]}");
                var listed = await client.UsageAsync(name);
                if ((long?)listed["usage"]!.AsArray().FirstOrDefault()?["id"] != (long)record["id"]!) failures.Add($"{name}: record {record["id"]} not first in the list");
                if ((long)(await client.StatisticsAsync(name))["total_usage"]! != i) failures.Add($"{name}: statistics after {i} records");
            }
        })));
        Assert.Empty(failures);

        // Impact analysis of the common upstream sees every client's model with its three records.
        var impact = (await (await _client.GetAsync($"{FeatureApi.Url}/gc_ryw_base/impact")).ExpectAsync(200))!;
        var models = impact["models"]!.AsArray().ToDictionary(m => (string)m!["used_by_model"]!, m => (long)m!["usage_count"]!);
        Assert.Equal(Enumerable.Range(0, clients).Select(c => $"gc_ryw_model_{c}").Order(StringComparer.Ordinal), models.Keys.Order(StringComparer.Ordinal));
        Assert.All(models.Values, n => Assert.Equal(3, n));
    }

    [Fact]
    public async Task Refused_records_in_a_busy_moment_leave_the_others_stored()
    {
        await _client.CreateAsync(FeatureApi.Minimal("gc_mixed"));
        // Unknown features and versions are refused by the service before they reach a group; the good ones still go.
        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => _client.PostJsonAsync(UsageApi.Url,
            (i % 3) switch
            {
                0 => UsageApi.Record("gc_mixed").ToJsonString(),
                1 => UsageApi.Record("gc_missing_feature").ToJsonString(),
                _ => UsageApi.Record("gc_mixed", version: "9.9.9").ToJsonString(),
            })));

        Assert.Equal(10, answers.Count(a => (int)a.StatusCode == 201));
        Assert.Equal(10, answers.Count(a => (int)a.StatusCode == 404));
        Assert.Equal(10, answers.Count(a => (int)a.StatusCode == 422));
        Assert.Equal(10, (long)(await _client.FeatureAsync("gc_mixed"))["usage_count"]!);
    }
}
