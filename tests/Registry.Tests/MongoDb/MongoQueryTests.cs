using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Driver;
using Registry.Core.Features;
using Registry.Core.FeatureSets;
using Registry.MongoDb;
using Registry.MongoDb.Documents;

namespace Registry.Tests.MongoDb;

/// <summary>
/// The filters, updates and aggregation pipelines the MongoDB store sends, rendered by the driver (as it does before
/// sending them) and compared with the MQL they must be. A change to a query shows here as a diff of MQL.
/// </summary>
public sealed class MongoQueryTests
{
    static MongoQueryTests() => RegistryClassMaps.Register();

    private static readonly JsonWriterSettings Shell = new() { OutputMode = JsonOutputMode.RelaxedExtendedJson };

    private static string Render<T>(FilterDefinition<T> filter) => filter.Render(MongoQueries.Args<T>()).ToJson(Shell);

    private static string Render<TIn, TOut>(PipelineDefinition<TIn, TOut> pipeline) =>
        new BsonArray(pipeline.Render(MongoQueries.Args<TIn>()).Documents).ToJson(Shell);

    private static string Mql(string json) => MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonValue>(json).ToJson(Shell);

    [Fact]
    public void The_default_list_leaves_archived_definitions_out()
    {
        var query = new FeatureListQuery(null, null, null, [], null, 0, 50);
        Assert.Equal(Mql("""{ "status" : { "$ne" : "archived" } }"""), Render(MongoQueries.FeatureList(query)));
    }

    [Fact]
    public void Every_list_filter_is_rendered_as_the_expected_mql()
    {
        var query = new FeatureListQuery(FeatureType.TechnicalIndicator, FeatureStatus.Deprecated, "quant", ["a", "b"], "rsi_1.4", 10, 5);
        Assert.Equal(Mql("""
            { "feature_type" : "technical_indicator", "status" : "deprecated", "owner" : "quant", "tags" : { "$all" : ["a", "b"] },
              "$or" : [{ "feature_name" : { "$regularExpression" : { "pattern" : "rsi_1\\.4", "options" : "i" } } },
                       { "description" : { "$regularExpression" : { "pattern" : "rsi_1\\.4", "options" : "i" } } }] }
            """), Render(MongoQueries.FeatureList(query)));
    }

    [Fact]
    public void A_definition_update_checks_the_revision_and_never_writes_the_usage_counters()
    {
        Assert.Equal(Mql("""{ "_id" : "f", "revision" : 4 }"""), Render(MongoQueries.AtRevision("f", 4)));
        var update = MongoQueries.ReplaceDefinition(MongoDocumentTests.SampleFeature().ToDocument())
            .Render(MongoQueries.Args<FeatureDocument>()).AsBsonDocument["$set"].AsBsonDocument;
        Assert.DoesNotContain("usage_count", update.Names);
        Assert.DoesNotContain("last_used_at", update.Names);
        Assert.DoesNotContain("last_used_at_us", update.Names);
        Assert.DoesNotContain("_id", update.Names);
        Assert.DoesNotContain("lock_seq", update.Names);
        Assert.Contains("revision", update.Names);
        Assert.Contains("upstream_features", update.Names);
    }

    [Fact]
    public void Usage_counters_move_on_the_server_and_last_used_never_goes_back()
    {
        var at = DateTimeOffset.Parse("2025-03-01T11:00:00.123456Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Mql("""
            [{ "$set" : {
                "usage_count" : { "$add" : ["$usage_count", 3] },
                "last_used_at" : { "$cond" : [NEWER, { "$date" : "2025-03-01T11:00:00.123Z" }, "$last_used_at"] },
                "last_used_at_us" : { "$cond" : [NEWER, 456, "$last_used_at_us"] } } }]
            """.Replace("NEWER", """
                { "$or" : [
                    { "$eq" : [{ "$ifNull" : ["$last_used_at", null] }, null] },
                    { "$gt" : [{ "$date" : "2025-03-01T11:00:00.123Z" }, "$last_used_at"] },
                    { "$and" : [{ "$eq" : [{ "$date" : "2025-03-01T11:00:00.123Z" }, "$last_used_at"] }, { "$gt" : [456, "$last_used_at_us"] }] } ] }
                """, StringComparison.Ordinal)),
            Render(MongoQueries.BumpUsage(3, at)));
    }

    [Fact]
    public void As_of_compares_the_date_and_its_microseconds()
    {
        var at = DateTimeOffset.Parse("2025-03-01T11:00:00.123456Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Mql("""
            { "$or" : [{ "recorded_at" : { "$lt" : { "$date" : "2025-03-01T11:00:00.123Z" } } },
                       { "recorded_at" : { "$date" : "2025-03-01T11:00:00.123Z" }, "recorded_at_us" : { "$lte" : 456 } }] }
            """), Render(MongoQueries.AtOrBefore<RevisionDocument>("recorded_at", at)));
    }

    [Fact]
    public void The_lineage_walk_is_two_bounded_graph_lookups()
    {
        Assert.Equal(Mql("""
            [{ "$match" : { "_id" : "root" } },
             { "$graphLookup" : { "from" : "feature_definitions", "startWith" : "$upstream_features", "connectFromField" : "upstream_features",
                                  "connectToField" : "_id", "as" : "up", "maxDepth" : 2, "depthField" : "depth" } },
             { "$graphLookup" : { "from" : "feature_definitions", "startWith" : "$_id", "connectFromField" : "_id",
                                  "connectToField" : "upstream_features", "as" : "down", "maxDepth" : 0, "depthField" : "depth" } },
             { "$project" : { "_id" : 1,
                 "up" : { "$map" : { "input" : "$up", "in" : NODE } },
                 "down" : { "$map" : { "input" : "$down", "in" : NODE } } } }]
            """.Replace("NODE", """
                { "feature_name" : "$$this._id", "status" : "$$this.status", "owner" : "$$this.owner",
                  "current_version" : "$$this.current_version", "depth" : { "$add" : ["$$this.depth", 1] } }
                """, StringComparison.Ordinal)),
            Render(MongoQueries.Walk("root", upstreamDepth: 3, downstreamDepth: 1)));
    }

    [Fact]
    public void A_direction_with_depth_zero_is_not_walked()
    {
        var rendered = Render(MongoQueries.Walk("root", upstreamDepth: 0, downstreamDepth: 2));
        Assert.DoesNotContain("\"up\"", rendered, StringComparison.Ordinal);
        Assert.Contains("\"down\"", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cycle_check_reads_the_whole_upstream_closure()
    {
        Assert.Equal(Mql("""
            [{ "$match" : { "_id" : "f" } },
             { "$graphLookup" : { "from" : "feature_definitions", "startWith" : "$upstream_features", "connectFromField" : "upstream_features",
                                  "connectToField" : "_id", "as" : "reach", "depthField" : "depth" } },
             { "$project" : { "upstream_features" : 1,
                 "reach" : { "$map" : { "input" : "$reach", "in" : { "_id" : "$$this._id", "upstream_features" : "$$this.upstream_features" } } } } }]
            """), Render(MongoQueries.UpstreamClosure("f")));
    }

    [Fact]
    public void Statistics_are_one_aggregation_overall_and_per_version()
    {
        Assert.Equal(Mql("""
            [{ "$match" : { "feature_name" : "f" } },
             { "$facet" : {
                 "overall" : [{ "$group" : GROUP(null) }],
                 "by_version" : [{ "$group" : GROUP("$feature_version") }, { "$sort" : { "_id" : 1 } }] } }]
            """.Replace("GROUP(null)", Group("null"), StringComparison.Ordinal).Replace("GROUP(\"$feature_version\")", Group("\"$feature_version\""), StringComparison.Ordinal)),
            Render(MongoQueries.Statistics("f")));

        static string Group(string id) => $$"""
            { "_id" : {{id}}, "count" : { "$sum" : 1 }, "models" : { "$addToSet" : "$used_by_model" },
              "dev" : { "$sum" : { "$cond" : [{ "$eq" : ["$environment", "dev"] }, 1, 0] } },
              "staging" : { "$sum" : { "$cond" : [{ "$eq" : ["$environment", "staging"] }, 1, 0] } },
              "production" : { "$sum" : { "$cond" : [{ "$eq" : ["$environment", "production"] }, 1, 0] } },
              "avg_importance" : { "$avg" : "$feature_importance" }, "avg_correlation" : { "$avg" : "$correlation_with_target" },
              "last_used" : { "$max" : { "at" : "$usage_timestamp", "us" : "$usage_timestamp_us" } } }
            """;
    }

    [Fact]
    public void Impact_groups_usage_by_model_most_recent_first()
    {
        var since = DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Mql("""
            [{ "$match" : { "$and" : [
                 { "feature_name" : { "$in" : ["a", "b"] } },
                 { "$or" : [{ "usage_timestamp" : { "$gt" : { "$date" : "2025-01-01T00:00:00Z" } } },
                            { "usage_timestamp" : { "$date" : "2025-01-01T00:00:00Z" }, "usage_timestamp_us" : { "$gte" : 0 } }] },
                 { "environment" : "production" }] } },
             { "$group" : { "_id" : { "used_by_model" : "$used_by_model", "model_version" : "$model_version", "environment" : "$environment" },
                            "last_used" : { "$max" : { "at" : "$usage_timestamp", "us" : "$usage_timestamp_us" } },
                            "count" : { "$sum" : 1 }, "features" : { "$addToSet" : "$feature_name" } } },
             { "$sort" : { "last_used" : -1, "_id.used_by_model" : 1, "_id.model_version" : 1 } }]
            """), Render(MongoQueries.Models(["a", "b"], since, "production")));
        Assert.Equal(Mql("""[{ "$match" : { "feature_name" : { "$in" : ["a"] } } }]"""),
            Render(MongoQueries.Models(["a"], null, null)).Split(", { \"$group\"")[0] + "]");
    }

    [Fact]
    public void The_change_stream_asks_only_for_names_and_upstream_lists()
    {
        Assert.Equal(Mql("""
            [{ "$match" : { "operationType" : { "$in" : ["insert", "update", "replace", "delete", "drop", "rename", "dropDatabase", "invalidate"] } } },
             { "$project" : { "operationType" : 1, "ns" : 1, "documentKey" : 1, "clusterTime" : 1,
                              "fullDocument.upstream_features" : 1, "fullDocumentBeforeChange.upstream_features" : 1 } }]
            """), new BsonArray(MongoQueries.FeatureChanges().Render(MongoQueries.ChangeStreamArgs()).Documents).ToJson(Shell));
        Assert.Equal(ChangeStreamFullDocumentBeforeChangeOption.WhenAvailable, MongoChangeListener.Options.FullDocumentBeforeChange);
        Assert.Equal(ChangeStreamFullDocumentOption.WhenAvailable, MongoChangeListener.Options.FullDocument);
    }

    [Fact]
    public void Feature_set_lists_filter_by_owner_and_all_tags()
    {
        Assert.Equal(Mql("""{ "owner" : "quant", "tags" : { "$all" : ["tech", "daily"] } }"""), Render(MongoFeatureSetStore.ListFilter(new FeatureSetListQuery("quant", ["tech", "daily"], 0, 10))));
        Assert.Equal("{ }", Render(MongoFeatureSetStore.ListFilter(new FeatureSetListQuery(null, [], 0, 10))));
    }

    [Theory]
    [InlineData("rsi", "rsi")]
    [InlineData("a.b*c", "a\\.b\\*c")]
    [InlineData("50%_(x)", "50%_\\(x\\)")]
    [InlineData("ünï", "ünï")]
    public void Search_text_is_matched_literally(string text, string pattern)
    {
        Assert.Equal(pattern, MongoQueries.EscapeRegex(text));
        var regex = new System.Text.RegularExpressions.Regex(MongoQueries.EscapeRegex(text));
        Assert.Matches(regex, "xx" + text + "yy");
    }
}
