using System.Text;
using MongoDB.Bson;
using MongoDB.Driver;
using Registry.Core.Features;
using Registry.MongoDb.Documents;

namespace Registry.MongoDb;

/// <summary>
/// The filters, updates and pipelines the stores send, built in one place so that tests render them with the driver and
/// compare them with the expected MQL, without a server.
/// </summary>
public static class MongoQueries
{
    private static readonly FilterDefinitionBuilder<FeatureDocument> F = Builders<FeatureDocument>.Filter;

    /// <summary>The list filter of GET /features: archived definitions only when asked for by status.</summary>
    public static FilterDefinition<FeatureDocument> FeatureList(FeatureListQuery query)
    {
        var filters = new List<FilterDefinition<FeatureDocument>>();
        if (query.FeatureType is { } type) filters.Add(F.Eq(d => d.FeatureType, StoredValues.Wire(type)));
        filters.Add(query.Status is { } status
            ? F.Eq(d => d.Status, StoredValues.Wire(status))
            : F.Ne(d => d.Status, StoredValues.Wire(FeatureStatus.Archived)));
        if (query.Owner is { Length: > 0 } owner) filters.Add(F.Eq(d => d.Owner, owner));
        if (query.Tags.Count > 0) filters.Add(F.All(d => d.Tags, query.Tags));
        if (query.Search is { Length: > 0 } search)
        {
            // ILIKE '%text%' of the PostgreSQL store: a case-insensitive substring, the text taken literally.
            var pattern = new BsonRegularExpression(EscapeRegex(search), "i");
            filters.Add(F.Or(F.Regex(d => d.FeatureName, pattern), F.Regex(d => d.Description, pattern)));
        }
        return F.And(filters);
    }

    /// <summary>
    /// Everything but the usage counters (recorded with $inc-style updates without a revision, so writing back what was
    /// read would lose concurrent increments) and the id, replaced when the stored revision is still the expected one.
    /// </summary>
    public static UpdateDefinition<FeatureDocument> ReplaceDefinition(FeatureDocument document)
    {
        var fields = document.ToBsonDocument();
        foreach (var name in new[] { "_id", "usage_count", "last_used_at", "last_used_at_us", "lock_seq" }) fields.Remove(name);
        return new BsonDocument("$set", fields);
    }

    public static FilterDefinition<FeatureDocument> AtRevision(string featureName, int revision) =>
        F.And(F.Eq(d => d.Id, featureName), F.Eq(d => d.Revision, revision));

    /// <summary>
    /// Adds <paramref name="count"/> uses and moves last_used_at forward, never back, in one pipeline update: computed by
    /// the server from the stored values, so concurrent recorders lose nothing. The revision stays (usage is no definition change).
    /// </summary>
    public static PipelineDefinition<FeatureDocument, FeatureDocument> BumpUsage(long count, DateTimeOffset lastUsed)
    {
        var (at, us) = StoredValues.Split(lastUsed);
        var newer = new BsonDocument("$or", new BsonArray
        {
            new BsonDocument("$eq", new BsonArray { new BsonDocument("$ifNull", new BsonArray { "$last_used_at", BsonNull.Value }), BsonNull.Value }),
            new BsonDocument("$gt", new BsonArray { at, "$last_used_at" }),
            new BsonDocument("$and", new BsonArray
            {
                new BsonDocument("$eq", new BsonArray { at, "$last_used_at" }),
                new BsonDocument("$gt", new BsonArray { us, "$last_used_at_us" }),
            }),
        });
        var set = new BsonDocument("$set", new BsonDocument
        {
            { "usage_count", new BsonDocument("$add", new BsonArray { "$usage_count", count }) },
            { "last_used_at", new BsonDocument("$cond", new BsonArray { newer, at, "$last_used_at" }) },
            { "last_used_at_us", new BsonDocument("$cond", new BsonArray { newer, us, "$last_used_at_us" }) },
        });
        return new BsonDocumentStagePipelineDefinition<FeatureDocument, FeatureDocument>([set]);
    }

    /// <summary>Instants are a date plus microseconds: "at or before" compares both.</summary>
    public static FilterDefinition<T> AtOrBefore<T>(string field, DateTimeOffset instant)
    {
        var (at, us) = StoredValues.Split(instant);
        return new BsonDocument("$or", new BsonArray
        {
            new BsonDocument(field, new BsonDocument("$lt", at)),
            new BsonDocument { { field, at }, { field + "_us", new BsonDocument("$lte", us) } },
        });
    }

    public static FilterDefinition<T> AtOrAfter<T>(string field, DateTimeOffset instant)
    {
        var (at, us) = StoredValues.Split(instant);
        return new BsonDocument("$or", new BsonArray
        {
            new BsonDocument(field, new BsonDocument("$gt", at)),
            new BsonDocument { { field, at }, { field + "_us", new BsonDocument("$gte", us) } },
        });
    }

    /// <summary>
    /// The lineage walk: from the root, $graphLookup upstream (along upstream_features to _id) and downstream (along _id
    /// into other features' upstream_features), each bounded by maxDepth. $graphLookup visits breadth first and each
    /// feature once, so a node's depth is its shortest distance (depthField counts from 0; the registry from 1).
    /// Only names, status, owner, current version and depth leave the server.
    /// </summary>
    public static PipelineDefinition<FeatureDocument, BsonDocument> Walk(string featureName, int upstreamDepth, int downstreamDepth)
    {
        var stages = new List<BsonDocument> { new("$match", new BsonDocument("_id", featureName)) };
        var project = new BsonDocument("_id", 1);
        if (upstreamDepth > 0)
        {
            stages.Add(GraphLookup("$upstream_features", "upstream_features", "_id", "up", upstreamDepth - 1));
            project.Add("up", Nodes("$up"));
        }
        if (downstreamDepth > 0)
        {
            stages.Add(GraphLookup("$_id", "_id", "upstream_features", "down", downstreamDepth - 1));
            project.Add("down", Nodes("$down"));
        }
        stages.Add(new BsonDocument("$project", project));
        return new BsonDocumentStagePipelineDefinition<FeatureDocument, BsonDocument>(stages);
    }

    /// <summary>
    /// Every feature the root reaches upstream, with its upstream list, read inside the lineage transaction: if the root is
    /// among them the write closes a cycle (and the path is found from these edges).
    /// </summary>
    public static PipelineDefinition<FeatureDocument, BsonDocument> UpstreamClosure(string featureName) =>
        new BsonDocumentStagePipelineDefinition<FeatureDocument, BsonDocument>(
        [
            new BsonDocument("$match", new BsonDocument("_id", featureName)),
            GraphLookup("$upstream_features", "upstream_features", "_id", "reach", maxDepth: null),
            new BsonDocument("$project", new BsonDocument
            {
                { "upstream_features", 1 },
                { "reach", new BsonDocument("$map", new BsonDocument
                    {
                        { "input", "$reach" },
                        { "in", new BsonDocument { { "_id", "$$this._id" }, { "upstream_features", "$$this.upstream_features" } } },
                    }) },
            }),
        ]);

    /// <summary>Usage statistics of one feature: overall and per version, in one aggregation.</summary>
    public static PipelineDefinition<UsageDocument, BsonDocument> Statistics(string featureName)
    {
        BsonDocument Group(BsonValue id) => new("$group", new BsonDocument
        {
            { "_id", id },
            { "count", new BsonDocument("$sum", 1) },
            { "models", new BsonDocument("$addToSet", "$used_by_model") },
            { "dev", CountWhere("dev") },
            { "staging", CountWhere("staging") },
            { "production", CountWhere("production") },
            { "avg_importance", new BsonDocument("$avg", "$feature_importance") },
            { "avg_correlation", new BsonDocument("$avg", "$correlation_with_target") },
            // Embedded documents compare field by field: the latest date, then the latest microseconds within it.
            { "last_used", new BsonDocument("$max", new BsonDocument { { "at", "$usage_timestamp" }, { "us", "$usage_timestamp_us" } }) },
        });
        return new BsonDocumentStagePipelineDefinition<UsageDocument, BsonDocument>(
        [
            new BsonDocument("$match", new BsonDocument("feature_name", featureName)),
            new BsonDocument("$facet", new BsonDocument
            {
                { "overall", new BsonArray { Group(BsonNull.Value) } },
                { "by_version", new BsonArray { Group("$feature_version"), new BsonDocument("$sort", new BsonDocument("_id", 1)) } },
            }),
        ]);
    }

    /// <summary>The models that used any of the features, grouped by model, model version and environment, most recent first.</summary>
    public static PipelineDefinition<UsageDocument, BsonDocument> Models(IReadOnlyCollection<string> featureNames, DateTimeOffset? since, string? environment)
    {
        var match = new BsonDocument("feature_name", new BsonDocument("$in", new BsonArray(featureNames)));
        var filters = new BsonArray { match };
        if (since is { } s) filters.Add(AtOrAfter<UsageDocument>("usage_timestamp", s).Render(Args<UsageDocument>()));
        if (environment is not null) filters.Add(new BsonDocument("environment", environment));
        return new BsonDocumentStagePipelineDefinition<UsageDocument, BsonDocument>(
        [
            new BsonDocument("$match", filters.Count == 1 ? match : new BsonDocument("$and", filters)),
            new BsonDocument("$group", new BsonDocument
            {
                { "_id", new BsonDocument { { "used_by_model", "$used_by_model" }, { "model_version", "$model_version" }, { "environment", "$environment" } } },
                { "last_used", new BsonDocument("$max", new BsonDocument { { "at", "$usage_timestamp" }, { "us", "$usage_timestamp_us" } }) },
                { "count", new BsonDocument("$sum", 1) },
                { "features", new BsonDocument("$addToSet", "$feature_name") },
            }),
            new BsonDocument("$sort", new BsonDocument { { "last_used", -1 }, { "_id.used_by_model", 1 }, { "_id.model_version", 1 } }),
        ]);
    }

    /// <summary>
    /// The change stream the definition cache listens to: only what says which answers changed (the document's name and
    /// its upstream features before and after), never the whole definition.
    /// </summary>
    public static PipelineDefinition<ChangeStreamDocument<FeatureDocument>, ChangeStreamDocument<FeatureDocument>> FeatureChanges() =>
        new BsonDocumentStagePipelineDefinition<ChangeStreamDocument<FeatureDocument>, ChangeStreamDocument<FeatureDocument>>(
        [
            new BsonDocument("$match", new BsonDocument("operationType", new BsonDocument("$in", new BsonArray
                { "insert", "update", "replace", "delete", "drop", "rename", "dropDatabase", "invalidate" }))),
            new BsonDocument("$project", new BsonDocument
            {
                { "operationType", 1 }, { "ns", 1 }, { "documentKey", 1 }, { "clusterTime", 1 },
                { "fullDocument.upstream_features", 1 }, { "fullDocumentBeforeChange.upstream_features", 1 },
            }),
        ]);

    /// <summary>How the change stream's pipeline is rendered: its input is the change event, wrapping a feature document.</summary>
    public static RenderArgs<ChangeStreamDocument<FeatureDocument>> ChangeStreamArgs() =>
        new(new ChangeStreamDocumentSerializer<FeatureDocument>(MongoDB.Bson.Serialization.BsonSerializer.LookupSerializer<FeatureDocument>()),
            MongoDB.Bson.Serialization.BsonSerializer.SerializerRegistry);

    public static RenderArgs<T> Args<T>() => new(MongoDB.Bson.Serialization.BsonSerializer.LookupSerializer<T>(), MongoDB.Bson.Serialization.BsonSerializer.SerializerRegistry);

    private static BsonDocument GraphLookup(string startWith, string connectFrom, string connectTo, string @as, int? maxDepth)
    {
        var spec = new BsonDocument
        {
            { "from", Collections.Features },
            { "startWith", startWith },
            { "connectFromField", connectFrom },
            { "connectToField", connectTo },
            { "as", @as },
        };
        if (maxDepth is { } depth) spec.Add("maxDepth", depth);
        spec.Add("depthField", "depth");
        return new BsonDocument("$graphLookup", spec);
    }

    private static BsonDocument Nodes(string input) => new("$map", new BsonDocument
    {
        { "input", input },
        { "in", new BsonDocument
            {
                { "feature_name", "$$this._id" }, { "status", "$$this.status" }, { "owner", "$$this.owner" },
                { "current_version", "$$this.current_version" }, { "depth", new BsonDocument("$add", new BsonArray { "$$this.depth", 1 }) },
            } },
    });

    private static BsonDocument CountWhere(string environment) => new("$sum", new BsonDocument("$cond", new BsonArray
    {
        new BsonDocument("$eq", new BsonArray { "$environment", environment }), 1, 0,
    }));

    /// <summary>Every regex metacharacter is escaped (PCRE's and .NET's alike): the search text matches literally.</summary>
    public static string EscapeRegex(string text)
    {
        const string meta = @"\^$.|?*+()[]{}";
        var sb = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (meta.Contains(c, StringComparison.Ordinal)) sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }
}
