using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using Registry.Core.Auth;
using Registry.Core.Features;
using Registry.Core.FeatureSets;
using Registry.Core.Snapshots;
using Registry.Core.Usage;
using Registry.Core.Versions;
using Registry.MongoDb.Documents;

namespace Registry.Tests.MongoDb;

/// <summary>
/// Every stored document, written through its class map and compared with the golden BSON (as canonical extended JSON),
/// then read back to the domain record it came from. No server is needed: this is what the store sends and reads.
/// </summary>
public sealed class MongoDocumentTests
{
    static MongoDocumentTests() => RegistryClassMaps.Register();

    private static readonly DateTimeOffset Created = DateTimeOffset.Parse("2025-03-01T11:00:00.123456Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly DateTimeOffset Updated = DateTimeOffset.Parse("2025-03-02T08:30:00.000001Z", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonElement J(string json) => JsonDocument.Parse(json).RootElement.Clone();

    internal static FeatureDefinition SampleFeature() => new()
    {
        FeatureName = "stock_rsi_14d",
        CurrentVersion = "1.2.0",
        FeatureType = FeatureType.TechnicalIndicator,
        DataType = DataType.Float,
        Status = FeatureStatus.Active,
        Description = "RSI over 14 days",
        Owner = "quant-team",
        Tags = ["momentum", "daily"],
        Entity = "ticker",
        Transformation = new Transformation(TransformationType.Sql, "SELECT 1",
            new Dictionary<string, JsonElement> { ["window"] = J("14"), ["alpha"] = J("0.10"), ["big"] = J("12345678901"), ["names"] = J("""["a",null,true]""") }),
        ValidationRules = [new ValidationRule(RuleType.Range, new Dictionary<string, JsonElement> { ["min"] = J("0"), ["max"] = J("100.0") }, true)],
        UpstreamFeatures = ["stock_daily_close"],
        DuckDbTable = "features.stock_rsi_14d",
        ValidationPolicy = ValidationPolicy.Strict,
        UsageCount = 7,
        LastUsedAt = Updated,
        CreatedAt = Created,
        UpdatedAt = Updated,
        Revision = 3,
    };

    private static string Golden<T>(T document) => document.ToBsonDocument().ToJson(new JsonWriterSettings { OutputMode = JsonOutputMode.CanonicalExtendedJson });

    private static T RoundTrip<T>(T document) => BsonSerializer.Deserialize<T>(document.ToBsonDocument());

    /// <summary>Records hold lists, whose equality is by reference: compare what they serialize to.</summary>
    private static void SameRecord<T>(T expected, T actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));

    [Fact]
    public void A_feature_definition_is_stored_as_the_golden_document_and_reads_back_unchanged()
    {
        var feature = SampleFeature();
        var document = feature.ToDocument();
        Assert.Equal(
            """{ "_id" : "stock_rsi_14d", "schema_version" : { "$numberInt" : "1" }, "feature_name" : "stock_rsi_14d", "current_version" : "1.2.0", "feature_type" : "technical_indicator", "data_type" : "float", "status" : "active", "description" : "RSI over 14 days", "owner" : "quant-team", "tags" : ["momentum", "daily"], "entity" : "ticker", "transformation" : { "transformation_type" : "sql", "code" : "SELECT 1", "parameters" : { "window" : { "$numberInt" : "14" }, "alpha" : { "$numberDecimal" : "0.10" }, "big" : { "$numberLong" : "12345678901" }, "names" : ["a", null, true] } }, "validation_rules" : [{ "rule_type" : "range", "parameters" : { "min" : { "$numberInt" : "0" }, "max" : { "$numberDecimal" : "100.0" } }, "is_blocking" : true }], "upstream_features" : ["stock_daily_close"], "duckdb_table" : "features.stock_rsi_14d", "duckdb_view" : null, "validation_policy" : "strict", "usage_count" : { "$numberLong" : "7" }, "last_used_at" : { "$date" : { "$numberLong" : "1740904200000" } }, "last_used_at_us" : { "$numberInt" : "1" }, "created_at" : { "$date" : { "$numberLong" : "1740826800123" } }, "created_at_us" : { "$numberInt" : "456" }, "updated_at" : { "$date" : { "$numberLong" : "1740904200000" } }, "updated_at_us" : { "$numberInt" : "1" }, "deprecated_at" : null, "deprecated_at_us" : null, "revision" : { "$numberInt" : "3" }, "lock_seq" : { "$numberLong" : "0" } }""",
            Golden(document));
        var back = RoundTrip(document).ToDomain();
        SameRecord(feature, back);
        // Client numbers keep their text: 0.10 is not 0.1, 100.0 is not 100.
        Assert.Equal("0.10", back.Transformation!.Parameters["alpha"].GetRawText());
        Assert.Equal("100.0", back.ValidationRules[0].Parameters["max"].GetRawText());
        Assert.Equal(Created, back.CreatedAt); // microseconds survive
    }

    [Fact]
    public void A_revision_embeds_the_definition_as_it_stood()
    {
        var revision = SampleFeature().ToRevision();
        var bson = revision.ToBsonDocument();
        Assert.Equal(["_id", "schema_version", "feature_name", "revision", "recorded_at", "recorded_at_us", "document"], bson.Names);
        Assert.Equal(BsonType.ObjectId, bson["_id"].BsonType);
        Assert.Equal(new BsonDateTime(DateTimeOffset.Parse("2025-03-02T08:30:00Z", System.Globalization.CultureInfo.InvariantCulture).UtcDateTime), bson["recorded_at"]);
        Assert.Equal(1, bson["recorded_at_us"].AsInt32);
        SameRecord(SampleFeature(), RoundTrip(revision).Document.ToDomain());
    }

    [Fact]
    public void A_version_is_stored_with_its_precedence_key_and_snapshots()
    {
        var version = new FeatureVersion
        {
            FeatureName = "stock_rsi_14d", Version = "1.2.0+build.7", Changelog = "faster", BreakingChanges = false,
            TransformationSnapshot = SampleFeature().Transformation, ValidationSnapshot = SampleFeature().ValidationRules,
            CreatedBy = "ci", CreatedByKey = "3f9a0c2b7d4e1a65", CreatedAt = Created, IsRolledBack = true, RolledBackAt = Updated, RestoredFrom = "1.0.0",
        };
        var bson = version.ToDocument().ToBsonDocument();
        Assert.Equal(["_id", "schema_version", "feature_name", "version_key", "version", "major", "changelog", "breaking_changes",
            "transformation_snapshot", "validation_snapshot", "created_by", "created_by_key", "created_at", "created_at_us", "is_rolled_back",
            "rolled_back_at", "rolled_back_at_us", "restored_from"], bson.Names);
        Assert.Equal(SemVer.Key(SemVer.Parse("1.2.0")), bson["version_key"].AsString);
        Assert.Equal(1, bson["major"].AsInt32);
        SameRecord(version, RoundTrip(version.ToDocument()).ToDomain());

        // Documents written before the key was recorded have no created_by_key: they read back with none.
        bson.Remove("created_by_key");
        Assert.Null(BsonSerializer.Deserialize<VersionDocument>(bson).ToDomain().CreatedByKey);
    }

    [Fact]
    public void A_usage_record_keeps_microseconds_and_a_standard_guid()
    {
        var snapshot = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        var usage = new FeatureUsage
        {
            FeatureName = "stock_rsi_14d", FeatureVersion = "1.2.0", UsedByModel = "alpha", ModelVersion = "3", Environment = UsageEnvironment.Production,
            FeatureImportance = 0.25, CorrelationWithTarget = -0.5, ExecutionId = "run-1", ExecutionDurationMs = 12.5,
            UsageTimestamp = Created, SnapshotId = snapshot,
        };
        var document = usage.ToDocument(42, Updated);
        Assert.Equal(
            """{ "_id" : { "$numberLong" : "42" }, "schema_version" : { "$numberInt" : "1" }, "feature_name" : "stock_rsi_14d", "feature_version" : "1.2.0", "used_by_model" : "alpha", "model_version" : "3", "environment" : "production", "feature_importance" : { "$numberDouble" : "0.25" }, "correlation_with_target" : { "$numberDouble" : "-0.5" }, "execution_id" : "run-1", "execution_duration_ms" : { "$numberDouble" : "12.5" }, "usage_timestamp" : { "$date" : { "$numberLong" : "1740826800123" } }, "usage_timestamp_us" : { "$numberInt" : "456" }, "recorded_at" : { "$date" : { "$numberLong" : "1740904200000" } }, "recorded_at_us" : { "$numberInt" : "1" }, "snapshot_id" : { "$binary" : { "base64" : "AZOhssPUfl+KmwwdLj9KWw==", "subType" : "04" } } }""",
            Golden(document));
        SameRecord(usage with { Id = 42, RecordedAt = Updated }, RoundTrip(document).ToDomain());
    }

    [Fact]
    public void A_feature_set_and_its_version_round_trip_with_members_in_order()
    {
        var set = new FeatureSet { FeatureSetName = "tech_v1", Description = "technical", Owner = "quant", Tags = ["tech"], CurrentVersion = "1.0.0", CreatedAt = Created, UpdatedAt = Updated };
        var bson = set.ToDocument().ToBsonDocument();
        Assert.Equal(["_id", "schema_version", "feature_set_name", "description", "owner", "tags", "current_version", "created_at", "created_at_us",
            "updated_at", "updated_at_us"], bson.Names);
        SameRecord(set, RoundTrip(set.ToDocument()).ToDomain());

        var version = new FeatureSetVersion
        {
            FeatureSetName = "tech_v1", Version = "1.0.0", Changelog = null, CreatedBy = "ci", CreatedByKey = "bootstrap", CreatedAt = Created,
            Members = [new FeatureSetMember("stock_rsi_14d", "1.2.0"), new FeatureSetMember("stock_daily_close", "2.0.0-rc.1")],
        };
        var vb = version.ToDocument().ToBsonDocument();
        Assert.Equal("bootstrap", vb["created_by_key"].AsString);
        Assert.Equal("""[{ "feature_name" : "stock_rsi_14d", "feature_version" : "1.2.0", "feature_version_key" : "KEY1" }, { "feature_name" : "stock_daily_close", "feature_version" : "2.0.0-rc.1", "feature_version_key" : "KEY2" }]"""
                .Replace("KEY1", SemVer.Key(SemVer.Parse("1.2.0")), StringComparison.Ordinal)
                .Replace("KEY2", SemVer.Key(SemVer.Parse("2.0.0-rc.1")), StringComparison.Ordinal),
            vb["members"].ToJson());
        SameRecord(version, RoundTrip(version.ToDocument()).ToDomain());
    }

    [Fact]
    public void A_snapshot_is_one_document_with_its_files_and_statistics()
    {
        var snapshot = new Snapshot
        {
            Id = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), FeatureSetName = "tech_v1", FeatureSetVersion = "1.0.0",
            From = Created, To = Updated, Timeframe = "1d", EntityIds = ["AAPL"], RowCount = 2, Checksum = "ab",
            Files = [new SnapshotFile("tech_v1/1d/20250301.parquet", 2, 1024, "cd")],
            Features = [new SnapshotFeature("stock_rsi_14d", "1.2.0", 1, DataType.Float, new FeatureNormalization("stock_rsi_14d", "1.2.0", 2, 50, 1.5, 48.5, 51.5))],
            CreatedBy = "ci", CreatedByKey = "3f9a0c2b7d4e1a65", CreatedAt = Updated,
        };
        var bson = snapshot.ToDocument().ToBsonDocument();
        Assert.Equal("3f9a0c2b7d4e1a65", bson["created_by_key"].AsString);
        Assert.Equal(BsonBinarySubType.UuidStandard, bson["_id"].AsBsonBinaryData.SubType);
        Assert.Equal("""{ "path" : "tech_v1/1d/20250301.parquet", "row_count" : { "$numberLong" : "2" }, "bytes" : { "$numberLong" : "1024" }, "sha256" : "cd" }""",
            Golden(bson["files"][0].AsBsonDocument));
        Assert.Equal(["feature_name", "feature_version", "contract_major", "data_type", "value_count", "mean", "std", "min", "max"], bson["features"][0].AsBsonDocument.Names);
        SameRecord(snapshot, RoundTrip(snapshot.ToDocument()).ToDomain());

        var entry = new SnapshotUsage { SnapshotId = snapshot.Id, UsedByModel = "alpha", ModelVersion = "3", Environment = UsageEnvironment.Staging, ExecutionId = "run", UsageTimestamp = Created };
        SameRecord(entry with { Id = 5, RecordedAt = Updated }, RoundTrip(entry.ToDocument(5, Updated)).ToDomain());
    }

    [Fact]
    public void An_api_key_stores_the_hash_as_binary_and_never_a_secret()
    {
        var key = new ApiKey
        {
            KeyId = "0123456789abcdef", Name = "pipeline", Scopes = [ApiKeyScope.Read, ApiKeyScope.Write],
            SecretHash = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), CreatedBy = "bootstrap", CreatedAt = Created,
        };
        var bson = key.ToDocument().ToBsonDocument();
        Assert.Equal(["_id", "schema_version", "name", "scopes", "secret_hash", "created_by", "created_at", "created_at_us", "revoked_at",
            "revoked_at_us", "revoked_by", "revision"], bson.Names);
        Assert.Equal(BsonType.Binary, bson["secret_hash"].BsonType);
        Assert.Equal("""["read", "write"]""", bson["scopes"].ToJson());
        SameRecord(key, RoundTrip(key.ToDocument()).ToDomain());
    }

    [Fact]
    public void Every_document_type_has_a_schema_version_or_is_internal_bookkeeping()
    {
        var documents = typeof(FeatureDocument).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(FeatureDocument).Namespace && t.Name.EndsWith("Document", StringComparison.Ordinal) && t.GetProperty("Id") is not null)
            .ToList();
        Assert.NotEmpty(documents);
        foreach (var type in documents.Where(t => t != typeof(CounterDocument) && t != typeof(StartupStepDocument)))
            Assert.True(type.GetProperty("SchemaVersion") is not null, $"{type.Name} has no schema_version");
    }

    [Theory]
    [InlineData("2025-03-01T11:00:00.123456Z", 1740826800123L, 456)]
    [InlineData("2025-03-01T11:00:00Z", 1740826800000L, 0)]
    [InlineData("1969-12-31T23:59:59.999999Z", -1L, 999)]
    public void Instants_split_into_a_utc_date_and_microseconds_and_join_back(string text, long epochMs, int us)
    {
        var instant = DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var (at, micros) = StoredValues.Split(instant);
        Assert.Equal(DateTimeKind.Utc, at.Kind);
        Assert.Equal(epochMs, new DateTimeOffset(at).ToUnixTimeMilliseconds());
        Assert.Equal(us, micros);
        Assert.Equal(instant, StoredValues.Join(at, micros));
    }

    [Theory]
    [InlineData("0.1", BsonType.Decimal128)]
    [InlineData("1.50", BsonType.Decimal128)]
    [InlineData("1e3", BsonType.Decimal128)]
    [InlineData("-0", BsonType.Decimal128)]
    [InlineData("7", BsonType.Int32)]
    [InlineData("9007199254740993", BsonType.Int64)]
    [InlineData("{\"b\":1,\"a\":[1.0,\"x\"]}", BsonType.Document)]
    public void Client_json_keeps_its_digits_and_key_order(string json, BsonType type)
    {
        var bson = StoredValues.ToBson(J(json));
        Assert.Equal(type, bson.BsonType);
        Assert.Equal(JsonSerializer.Serialize(J(json)), JsonSerializer.Serialize(StoredValues.ToJson(bson)).Replace("1E\u002B3", "1e3", StringComparison.Ordinal));
    }
}
