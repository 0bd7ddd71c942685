using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Common;
using Registry.Core.Snapshots;
using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;
using static Registry.Tests.Snapshots.SnapshotApi;

namespace Registry.Tests.Snapshots;

/// <summary>The statistics stored with a snapshot, and its audit log with the member usage it adds.</summary>
public sealed class SnapshotNormalizationAndUsageTests(SharedApi api) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = api.CreateClient();

    [Theory]
    [InlineData("1d")]
    [InlineData("1h")]
    [InlineData(null)]
    public async Task Normalization_statistics_equal_a_direct_computation_over_the_rows_read_back(string? timeframe)
    {
        var p = $"sn_norm_{timeframe ?? "raw"}";
        await SeedAsync(_client, p);
        var snapshot = await _client.CreateSnapshotAsync($"{p}_set", Body(Jan1, Jan1.AddDays(4), timeframe, "AAPL", "MSFT"));
        var id = (string)snapshot["snapshot_id"]!;
        var rows = ReadSnapshot(api, snapshot, out var columns);
        var normalization = (await (await _client.GetAsync($"{Url(id)}/normalization")).ExpectAsync(200))!;
        Assert.Equal(id, (string)normalization["snapshot_id"]!);
        Assert.Equal($"{p}_set", (string)normalization["feature_set_name"]!);
        Assert.Equal("1.0.0", (string)normalization["feature_set_version"]!);
        var features = normalization["features"]!.AsArray();
        Assert.Equal(columns.Skip(2), features.Select(f => (string)f!["feature_name"]!));

        for (var c = 2; c < columns.Count; c++)
        {
            var stats = features[c - 2]!;
            Assert.Equal("1.0.0", (string)stats["feature_version"]!);
            Assert.Equal(rows.Count(r => r[c] is not null), (long)stats["count"]!);
            if (columns[c].EndsWith("_sector", StringComparison.Ordinal))
            {
                Assert.True((long)stats["count"]! > 0);
                foreach (var k in new[] { "mean", "std", "min", "max" }) Assert.Null(stats[k]);
                continue;
            }
            var values = rows.Where(r => r[c] is not null).Select(r => Convert.ToDouble(r[c], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.NotEmpty(values);
            var mean = values.Sum() / values.Count;
            var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count); // population: ddof = 0
            Assert.Equal(mean, (double)stats["mean"]!, 1e-9 * Math.Abs(mean));
            Assert.Equal(std, (double)stats["std"]!, 1e-9 * Math.Max(1, std));
            Assert.Equal(values.Min(), (double)stats["min"]!);
            Assert.Equal(values.Max(), (double)stats["max"]!);
        }

        // The Core API the online vectors use gives the same figures.
        using var scope = api.Services.CreateScope();
        var service = scope.ServiceProvider.GetRequiredService<SnapshotService>();
        var core = await service.GetNormalizationAsync(Guid.Parse(id), CancellationToken.None);
        Assert.Equal($"{p}_set", core.FeatureSetName);
        Assert.Equal("1.0.0", core.FeatureSetVersion);
        Assert.Equal(features.Select(f => ((string)f!["feature_name"]!, (long)f["count"]!, (double?)f["mean"], (double?)f["std"])),
            core.Features.Select(f => (f.FeatureName, f.Count, f.Mean, f.Std)));
        await Assert.ThrowsAsync<NotFoundException>(() => service.GetNormalizationAsync(Guid.NewGuid(), CancellationToken.None));
    }

    [Fact]
    public async Task A_constant_or_single_value_has_a_standard_deviation_of_zero()
    {
        await SeedAsync(_client, "sn_single");
        // Only Jan 1 for AAPL: close and volume have one value each.
        var snapshot = await _client.CreateSnapshotAsync("sn_single_set", Body(Jan1.AddHours(21), Jan1.AddHours(22), null, "AAPL"));
        var stats = (await (await _client.GetAsync($"{Url((string)snapshot["snapshot_id"]!)}/normalization")).ExpectAsync(200))!["features"]!.AsArray();
        Assert.Equal(1, (long)stats[0]!["count"]!);
        Assert.Equal(0.0, (double)stats[0]!["std"]!);
        Assert.Equal(181.75 - 1.25, (double)stats[0]!["mean"]!);
        Assert.Equal(1_000_000.0, (double)stats[1]!["max"]!);
    }

    [Fact]
    public async Task Usage_of_a_snapshot_is_its_audit_log_and_a_use_of_every_member_version()
    {
        await SeedAsync(_client, "sn_usage");
        var snapshot = await _client.CreateSnapshotAsync("sn_usage_set", Body(Jan1, Jan1.AddDays(4), "1d"));
        var id = (string)snapshot["snapshot_id"]!;
        var members = new[] { "sn_usage_close", "sn_usage_volume", "sn_usage_sector" };
        foreach (var m in members) Assert.Equal(0, (long)(await _client.GetJsonAsync($"{FeatureApi.Url}/{m}"))["usage_count"]!);

        var first = await (await _client.PostJsonAsync($"{Url(id)}/usage", """
            {"used_by_model": "momentum_classifier", "model_version": "2.4.0", "environment": "staging", "execution_id": "train-0001"}
            """)).ExpectAsync(201);
        Assert.Equal(id, (string)first!["usage"]!["snapshot_id"]!);
        Assert.Equal("train-0001", (string)first["usage"]!["execution_id"]!);
        var added = first["feature_usage"]!.AsArray();
        Assert.Equal(members, added.Select(u => (string)u!["feature_name"]!));
        Assert.All(added, u =>
        {
            Assert.Equal("1.0.0", (string)u!["feature_version"]!);
            Assert.Equal(id, (string)u["snapshot_id"]!);
            Assert.Equal("momentum_classifier", (string)u["used_by_model"]!);
            Assert.Equal((string)first["usage"]!["usage_timestamp"]!, (string)u["usage_timestamp"]!);
        });

        await (await _client.PostJsonAsync($"{Url(id)}/usage", """
            {"used_by_model": "mean_reversion", "model_version": "1.0.0", "environment": "production", "execution_id": "train-0002"}
            """)).ExpectAsync(201);

        var log = (await (await _client.GetAsync($"{Url(id)}/usage")).ExpectAsync(200))!;
        Assert.Equal(2, (long)log["total"]!);
        Assert.Equal(["mean_reversion", "momentum_classifier"], log["usage"]!.AsArray().Select(u => (string)u!["used_by_model"]!));
        Assert.Equal(["1.0.0", "2.4.0"], log["usage"]!.AsArray().Select(u => (string)u!["model_version"]!));
        Assert.Equal(["production", "staging"], log["usage"]!.AsArray().Select(u => (string)u!["environment"]!));
        Assert.Equal(["train-0002", "train-0001"], log["usage"]!.AsArray().Select(u => (string)u!["execution_id"]!));
        Assert.Single((await (await _client.GetAsync($"{Url(id)}/usage?skip=1&limit=1")).ExpectAsync(200))!["usage"]!.AsArray());

        foreach (var m in members)
        {
            var feature = await _client.GetJsonAsync($"{FeatureApi.Url}/{m}");
            Assert.Equal(2, (long)feature["usage_count"]!);
            Assert.NotNull(feature["last_used_at"]);
            var statistics = await _client.GetJsonAsync($"{FeatureApi.Url}/{m}/statistics");
            Assert.Equal(2, (long)statistics["total_usage"]!);
            Assert.Equal(2, (long)statistics["unique_models"]!);
            var byVersion = statistics["by_version"]!.AsArray().Single()!;
            Assert.Equal("1.0.0", (string)byVersion["feature_version"]!);
            Assert.Equal(2, (long)byVersion["total_usage"]!);
            var records = (await _client.GetJsonAsync($"{FeatureApi.Url}/{m}/usage"))["usage"]!.AsArray();
            Assert.All(records, r => Assert.Equal(id, (string)r!["snapshot_id"]!));
        }

        // Refused requests change nothing: neither the log nor the members' counts.
        var refusals = new (string Body, int Status, string Needle)[]
        {
            ("""{"used_by_model": "m", "model_version": "1", "environment": "dev", "execution_id": "r", "usage_timestamp": "2020-01-01T00:00:00Z"}""", 422, "before snapshot"),
            ("""{"used_by_model": "m", "model_version": "1", "environment": "dev", "execution_id": "r", "usage_timestamp": "2999-01-01T00:00:00Z"}""", 400, "usage_timestamp"),
            ("""{"used_by_model": "m", "model_version": "1", "environment": "dev"}""", 400, "execution_id"),
            ("""{"used_by_model": "m", "model_version": "1", "environment": "qa", "execution_id": "r"}""", 400, "environment"),
            ("""{"model_version": "1", "environment": "dev", "execution_id": "r"}""", 400, "used_by_model"),
            ("""{"used_by_model": "m", "model_version": "1", "environment": "dev", "execution_id": "r", "feature_importance": 1}""", 400, "feature_importance"),
        };
        foreach (var (body, status, needle) in refusals)
        {
            var problem = await (await _client.PostJsonAsync($"{Url(id)}/usage", body)).ExpectProblemAsync(status);
            Assert.Contains(needle, problem.ToJsonString(), StringComparison.Ordinal);
        }
        await (await _client.PostJsonAsync($"{Url(Guid.NewGuid().ToString())}/usage", """{"used_by_model": "m", "model_version": "1", "environment": "dev", "execution_id": "r"}"""))
            .ExpectProblemAsync(404);
        var badId = await (await _client.PostJsonAsync($"{Url("not-a-uuid")}/usage", """{"used_by_model": "m", "model_version": "1", "environment": "dev", "execution_id": "r"}"""))
            .ExpectProblemAsync(400);
        Assert.NotNull(badId["errors"]!["snapshot_id"]);
        await (await _client.GetAsync($"{Url(Guid.NewGuid().ToString())}/usage")).ExpectProblemAsync(404);
        Assert.NotNull((await (await _client.GetAsync($"{Url(id)}/usage?limit=0")).ExpectProblemAsync(400))["errors"]!["limit"]);

        Assert.Equal(2, (long)(await (await _client.GetAsync($"{Url(id)}/usage")).ExpectAsync(200))!["total"]!);
        foreach (var m in members) Assert.Equal(2, (long)(await _client.GetJsonAsync($"{FeatureApi.Url}/{m}"))["usage_count"]!);
    }
}
