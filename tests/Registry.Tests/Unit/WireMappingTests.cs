using System.Text.Json;
using Mapster;
using MapsterMapper;
using Registry.Api.ApiKeys;
using Registry.Api.Features;
using Registry.Api.Infrastructure;
using Registry.Api.Online;
using Registry.Api.Snapshots;
using Registry.Api.Usage;
using Registry.Api.Values;
using Registry.Api.Versions;
using Registry.Core.Auth;
using Registry.Core.Features;
using Registry.Core.Online;
using Registry.Core.Snapshots;
using Registry.Core.Usage;
using Registry.Core.Values;
using Registry.Core.Versions;

namespace Registry.Tests.Unit;

/// <summary>The wire mapping (ADR 0021): every declared pair compiles, nothing undeclared maps, and the values are right.</summary>
public sealed class WireMappingTests
{
    private static readonly TypeAdapterConfig Config = MappingSetup.CreateWireConfig();
    private readonly Mapper _mapper = new(Config);

    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static FeatureDefinition Definition() => new()
    {
        FeatureName = "stock_rsi_14d",
        CurrentVersion = "1.2.0",
        FeatureType = FeatureType.TechnicalIndicator,
        DataType = DataType.Float,
        Status = FeatureStatus.Active,
        Owner = "quant-team",
        Tags = ["momentum"],
        Entity = "instrument_id",
        Transformation = new Transformation(TransformationType.Sql, "SELECT 1", new Dictionary<string, JsonElement> { ["window"] = JsonDocument.Parse("14").RootElement }),
        ValidationRules = [new ValidationRule(RuleType.Range, new Dictionary<string, JsonElement> { ["min"] = JsonDocument.Parse("0").RootElement }, false)],
        UpstreamFeatures = ["stock_daily_close"],
        DownstreamFeatures = ["stock_signal"],
        DuckDbTable = "features.stock_rsi_14d",
        DuckDbView = "views.rsi",
        UsageCount = 7,
        CreatedAt = T0,
        UpdatedAt = T0.AddDays(1),
        Revision = 3,
    };

    [Fact]
    public void Every_declared_pair_compiles() => MappingSetup.CreateWireConfig().Compile();

    [Fact]
    public void A_response_member_without_a_source_fails_at_compile_time()
    {
        var config = new TypeAdapterConfig { RequireExplicitMapping = true, RequireDestinationMemberSource = true };
        config.Default.ShallowCopyForSameType(true);
        config.NewConfig<Transformation, TransformationResponse>();
        config.NewConfig<ValidationRule, ValidationRuleResponse>();
        config.NewConfig<FeatureDefinition, FeatureResponse>(); // duckdb_table and duckdb_view are spelt DuckDb… in the record
        Assert.ThrowsAny<Exception>(() => config.Compile());
    }

    [Fact]
    public void An_undeclared_pair_does_not_map() =>
        Assert.ThrowsAny<Exception>(() => _mapper.Map<ApiKeyResponse>(Definition()));

    [Fact]
    public void A_definition_maps_member_by_member()
    {
        var r = _mapper.Map<FeatureResponse>(Definition());
        Assert.Equal("stock_rsi_14d", r.FeatureName);
        Assert.Equal(FeatureType.TechnicalIndicator, r.FeatureType);
        Assert.Equal("features.stock_rsi_14d", r.DuckdbTable);
        Assert.Equal("views.rsi", r.DuckdbView);
        Assert.Equal(["stock_signal"], r.DownstreamFeatures);
        Assert.Equal(14, r.Transformation!.Parameters["window"].GetInt32());
        Assert.False(Assert.Single(r.ValidationRules).IsBlocking);
        Assert.Equal(7, r.UsageCount);
        Assert.Equal(T0.AddDays(1), r.UpdatedAt);
        Assert.Null(r.DeprecatedAt);
    }

    [Fact]
    public void A_created_key_shows_its_secret_once_and_a_stored_key_never_its_hash()
    {
        var key = new ApiKey { KeyId = "3f9a0c2b7d4e1a65", Name = "n", Scopes = [ApiKeyScope.Write], SecretHash = [1, 2], CreatedBy = "admin", CreatedAt = T0 };
        var created = _mapper.Map<CreatedApiKeyResponse>(new CreatedApiKey(key, "frk_3f9a0c2b7d4e1a65_secret"));
        Assert.Equal("frk_3f9a0c2b7d4e1a65_secret", created.Key);
        Assert.Equal("3f9a0c2b7d4e1a65", created.KeyId);
        var listed = JsonSerializer.Serialize(_mapper.Map<ApiKeyResponse>(key));
        Assert.DoesNotContain("Secret", listed, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Is_current_comes_from_the_version_given_and_is_never_guessed()
    {
        var v = new FeatureVersion { FeatureName = "f", Version = "1.1.0", CreatedBy = "me", ValidationSnapshot = Definition().ValidationRules };
        Assert.True(_mapper.From(v).WithCurrentVersion("1.1.0").AdaptToType<VersionResponse>().IsCurrent);
        var list = _mapper.From(new List<FeatureVersion> { v, v with { Version = "1.0.0" } }).WithCurrentVersion("1.0.0").AdaptToType<List<VersionResponse>>();
        Assert.Equal([false, true], list.Select(r => r.IsCurrent));
        Assert.ThrowsAny<InvalidOperationException>(() => _mapper.Map<VersionResponse>(v));
    }

    [Fact]
    public void Usage_statistics_name_every_environment()
    {
        var figures = new UsageFigures(3, 2, new Dictionary<UsageEnvironment, long> { [UsageEnvironment.Production] = 3 }, 0.5, null, T0);
        var r = _mapper.Map<UsageStatisticsResponse>(new UsageStatistics("f", figures, [new VersionUsageFigures("1.0.0", figures)]));
        Assert.Equal(new EnvironmentCountsResponse(0, 0, 3), r.Environments);
        Assert.Equal(3, r.TotalUsage);
        Assert.Equal(0.5, Assert.Single(r.ByVersion).AvgImportance);
    }

    [Fact]
    public void A_snapshot_lists_its_columns_in_member_order()
    {
        var stats = new FeatureNormalization("a", "1.0.0", 1, 1, 0, 1, 1);
        var snapshot = new Snapshot
        {
            Id = Guid.NewGuid(), FeatureSetName = "tech_v1", FeatureSetVersion = "1.0.0", From = T0, To = T0.AddDays(1), Timeframe = "1d",
            RowCount = 2, Files = [new SnapshotFile("tech_v1/1d/20250102.parquet", 2, 100, "ab")], Checksum = "cd",
            Features = [new SnapshotFeature("b_feature", "1.0.0", 1, DataType.Float, stats), new SnapshotFeature("a_feature", "2.0.0", 2, DataType.Integer, stats)],
        };
        var r = _mapper.Map<SnapshotResponse>(snapshot);
        Assert.Equal(snapshot.Id, r.SnapshotId);
        Assert.Equal(["entity_id", "ts", "b_feature", "a_feature"], r.Columns);
        Assert.Equal("tech_v1/1d/20250102.parquet", Assert.Single(r.Files).Path);
    }

    [Fact]
    public void Online_vectors_are_keyed_by_feature_and_list_what_is_missing()
    {
        var vectors = new OnlineVectors("tech_v1", "1.0.0", [new OnlineMember("a", "1.0.0", 1), new OnlineMember("b", "1.0.0", 1)], null, T0,
            [new OnlineVector("AAPL", [new OnlineValue(0.5, 2.0, T0, 60), null])]);
        var r = _mapper.Map<OnlineVectorsResponse>(vectors);
        Assert.Equal(["a", "b"], r.Features.Select(f => f.FeatureName));
        var v = Assert.Single(r.Vectors);
        Assert.Equal(0.5, v.Values["a"]);
        Assert.Equal(2.0, v.RawValues["a"]);
        Assert.Equal(["b"], v.MissingFeatures);
    }

    [Fact]
    public void Value_statistics_join_the_scope_and_the_figures()
    {
        var scope = new ValueScope("f", "2.1.0", 2, new ValueTable("f", "features", "f", DataType.Float));
        var r = _mapper.Map<ValueStatsResponse>((scope, new ValueStats(10, 2, 0.1, -1, 1, 0, 0.5, T0, T0.AddDays(1))));
        Assert.Equal(("f", "2.1.0", 2, 10L, 2L, 0.5), (r.FeatureName, r.FeatureVersion, r.ContractMajor, r.Rows, r.Entities, r.Std));
        Assert.Equal(T0.AddDays(1), r.LastEventTs);
    }
}
