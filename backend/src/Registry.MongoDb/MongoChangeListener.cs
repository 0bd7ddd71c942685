using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using Registry.Core.Features;
using Registry.MongoDb.Documents;

namespace Registry.MongoDb;

/// <summary>
/// Watches feature_definitions through a change stream and forgets each changed definition in
/// <see cref="FeatureDefinitionCache"/>, with the upstream features whose downstream lists it changed (read from the
/// change's pre- and post-images). While the stream is down the cache stops answering (reads go to MongoDB), and it is
/// cleared when the stream is opened again, since changes made meanwhile were not heard: ADR 0016's rules, on MongoDB.
/// </summary>
public sealed class MongoChangeListener(MongoRegistry registry, FeatureDefinitionCache cache, ILogger<MongoChangeListener> logger)
    : BackgroundService
{
    /// <summary>
    /// How long one getMore waits for a change: the stream asks the server at least this often, so a dead connection
    /// is noticed within seconds (the driver resumes a stream once after a transient error, without losing events).
    /// </summary>
    internal static readonly TimeSpan MaxAwait = TimeSpan.FromSeconds(1);

    public static ChangeStreamOptions Options => new()
    {
        FullDocument = ChangeStreamFullDocumentOption.WhenAvailable,
        FullDocumentBeforeChange = ChangeStreamFullDocumentBeforeChangeOption.WhenAvailable,
        MaxAwaitTime = MaxAwait,
    };

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        ChangeListenerLoop.RunAsync(cache, WatchAsync,
            e => e is MongoException or TimeoutException or InvalidOperationException or IOException,
            e => logger.ChangeStreamLost(e),
            stoppingToken);

    private async Task WatchAsync(CancellationToken ct)
    {
        using var cursor = await registry.Features.WatchAsync(MongoQueries.FeatureChanges(), Options, ct);
        // The stream is open on the server: every change from here on will be delivered. Connected forgets what was kept before.
        cache.Connected(1);
        logger.Watching(Collections.Features);
        while (await cursor.MoveNextAsync(ct))
        {
            foreach (var change in cursor.Current) Apply(cache, change);
        }
        // The cursor ended (invalidate: the collection was dropped or renamed).
        cache.Disconnected();
    }

    /// <summary>What one change event makes the cache forget.</summary>
    internal static void Apply(FeatureDefinitionCache cache, ChangeStreamDocument<FeatureDocument> change)
    {
        if (ForgetOf(change) is { } names) cache.Forget(names);
        else cache.Clear();
    }

    /// <summary>
    /// The names whose answers a change altered (the document's _id is its feature name; before and after upstream lists
    /// for the downstream lists), or null when it cannot say (a drop, or an image missing): then everything is forgotten.
    /// </summary>
    internal static IReadOnlyList<string>? ForgetOf(ChangeStreamDocument<FeatureDocument> change)
    {
        if (change.OperationType is not (ChangeStreamOperationType.Insert or ChangeStreamOperationType.Update
            or ChangeStreamOperationType.Replace or ChangeStreamOperationType.Delete)) return null;
        if (change.DocumentKey?.GetValue("_id", BsonNull.Value) is not BsonString id) return null;
        var names = new List<string> { id.AsString };
        var before = change.BackingDocument.GetValue("fullDocumentBeforeChange", BsonNull.Value);
        var after = change.BackingDocument.GetValue("fullDocument", BsonNull.Value);
        if (change.OperationType != ChangeStreamOperationType.Insert)
        {
            if (before is not BsonDocument b) return null;
            names.AddRange(Upstream(b));
        }
        if (after is BsonDocument a) names.AddRange(Upstream(a));
        return [.. names.Distinct(StringComparer.Ordinal)];
    }

    private static IEnumerable<string> Upstream(BsonDocument image) =>
        image.GetValue("upstream_features", BsonNull.Value) is BsonArray list ? list.Select(v => v.AsString) : [];
}

internal static partial class MongoChangeLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "The definition cache lost its change stream; definitions are read from MongoDB until it reopens.")]
    public static partial void ChangeStreamLost(this ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watching {Collection} for definition changes.")]
    public static partial void Watching(this ILogger logger, string collection);
}
