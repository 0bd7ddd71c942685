using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using Registry.MongoDb.Documents;

namespace Registry.MongoDb;

/// <summary>One index as the registry declares it; <see cref="StartupSteps.Indexes"/> is the list docs/operations.md documents.</summary>
public sealed record IndexSpec(string Collection, string Name, BsonDocument Keys, bool Unique = false, BsonDocument? PartialFilter = null)
{
    public BsonDocument ToCommand()
    {
        var spec = new BsonDocument { { "key", Keys }, { "name", Name } };
        if (Unique) spec.Add("unique", true);
        if (PartialFilter is not null) spec.Add("partialFilterExpression", PartialFilter);
        return spec;
    }
}

/// <summary>A numbered start-up step: the role a SQL migration plays for PostgreSQL. Every step is idempotent.</summary>
public sealed record StartupStep(int Number, string Name, BsonArray Definition)
{
    /// <summary>SHA-256 of the step's definition as canonical JSON: an applied step whose definition changed stops start-up.</summary>
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Definition.ToJson())));
}

/// <summary>
/// The versioned list of start-up steps (collections, then indexes), applied in order and recorded in
/// registry_startup_steps with a checksum. Each step is idempotent (createCollection tolerates an existing collection,
/// createIndexes an identical index), so replicas that start together may both run a step; the first record wins and the
/// other's insert of the same record is ignored. A step is never edited once released: add a higher-numbered one.
/// </summary>
public static class StartupSteps
{
    private static BsonDocument Keys(params (string Field, int Direction)[] keys) =>
        new(keys.Select(k => new BsonElement(k.Field, k.Direction)));

    public static readonly IReadOnlyList<IndexSpec> Indexes =
    [
        // The original system's seven on definitions.
        new(Collections.Features, "feature_name_1", Keys(("feature_name", 1)), Unique: true),
        new(Collections.Features, "owner_1", Keys(("owner", 1))),
        new(Collections.Features, "feature_type_1", Keys(("feature_type", 1))),
        new(Collections.Features, "status_1", Keys(("status", 1))),
        new(Collections.Features, "tags_1", Keys(("tags", 1))),
        new(Collections.Features, "created_at_-1", Keys(("created_at", -1))),
        new(Collections.Features, "feature_name_1_current_version_1", Keys(("feature_name", 1), ("current_version", 1))),
        // Downstream lists and the downstream $graphLookup match on the upstream arrays (multikey).
        new(Collections.Features, "upstream_features_1", Keys(("upstream_features", 1))),
        // Two features must never share a DuckDB table; features without one are left out of the index.
        new(Collections.Features, "duckdb_table_1", Keys(("duckdb_table", 1)), Unique: true,
            PartialFilter: new BsonDocument("duckdb_table", new BsonDocument("$type", "string"))),
        new(Collections.Revisions, "feature_name_1_revision_1", Keys(("feature_name", 1), ("revision", 1)), Unique: true),
        new(Collections.Versions, "feature_name_1_version_key_1", Keys(("feature_name", 1), ("version_key", 1)), Unique: true),
        new(Collections.Usage, "feature_name_1_usage_timestamp_-1_usage_timestamp_us_-1__id_-1",
            Keys(("feature_name", 1), ("usage_timestamp", -1), ("usage_timestamp_us", -1), ("_id", -1))),
        new(Collections.FeatureSets, "owner_1", Keys(("owner", 1))),
        new(Collections.FeatureSets, "tags_1", Keys(("tags", 1))),
        new(Collections.FeatureSetVersions, "feature_set_name_1_version_key_1", Keys(("feature_set_name", 1), ("version_key", 1)), Unique: true),
        new(Collections.FeatureSetVersions, "members.feature_name_1", Keys(("members.feature_name", 1))),
        new(Collections.Snapshots, "created_at_-1_created_at_us_-1__id_-1", Keys(("created_at", -1), ("created_at_us", -1), ("_id", -1))),
        new(Collections.Snapshots, "feature_set_name_1_created_at_-1_created_at_us_-1__id_-1",
            Keys(("feature_set_name", 1), ("created_at", -1), ("created_at_us", -1), ("_id", -1))),
        new(Collections.SnapshotUsage, "snapshot_id_1_usage_timestamp_-1_usage_timestamp_us_-1__id_-1",
            Keys(("snapshot_id", 1), ("usage_timestamp", -1), ("usage_timestamp_us", -1), ("_id", -1))),
        new(Collections.ApiKeys, "created_at_1_created_at_us_1__id_1", Keys(("created_at", 1), ("created_at_us", 1), ("_id", 1))),
        new(Collections.ApiKeys, "revoked_at_1", Keys(("revoked_at", 1))),
    ];

    public static readonly IReadOnlyList<StartupStep> All =
    [
        // Created up front: a transaction may not create a collection with its indexes, and feature_definitions keeps the
        // pre-images its change stream reads (a change's old upstream features are forgotten too; ADR 0022).
        new(1, "collections", new BsonArray(Collections.All.Select(c => new BsonDocument("create", c))
            .Append(new BsonDocument { { "collMod", Collections.Features }, { "changeStreamPreAndPostImages", new BsonDocument("enabled", true) } }))),
        new(2, "indexes", new BsonArray(Indexes.Select(i => new BsonDocument { { "collection", i.Collection }, { "index", i.ToCommand() } }))),
    ];

    public static async Task ApplyAsync(MongoRegistry registry, ILogger logger, CancellationToken ct)
    {
        await RequireReplicaSetAsync(registry, ct);
        var applied = (await registry.StartupSteps.Find(FilterDefinition<StartupStepDocument>.Empty).ToListAsync(ct)).ToDictionary(s => s.Id);
        foreach (var step in All)
        {
            if (applied.TryGetValue(step.Number, out var record))
            {
                if (record.Checksum != step.Checksum)
                    throw new InvalidOperationException(
                        $"MongoDB start-up step {step.Number} ({step.Name}) was applied with another definition (checksum {record.Checksum}, " +
                        $"this build has {step.Checksum}). Released steps are never edited: add a new step instead.");
                continue;
            }
            await RunAsync(registry, step, ct);
            try
            {
                await registry.StartupSteps.InsertOneAsync(
                    new StartupStepDocument { Id = step.Number, Name = step.Name, Checksum = step.Checksum, AppliedAt = DateTime.UtcNow },
                    cancellationToken: ct);
                logger.AppliedStep(step.Number, step.Name);
            }
            catch (MongoException e) when (MongoFaults.IsDuplicateKey(e))
            {
                // Another replica starting at the same time recorded it first; the step is idempotent.
            }
        }
    }

    private static async Task RunAsync(MongoRegistry registry, StartupStep step, CancellationToken ct)
    {
        foreach (var command in step.Definition.Select(c => c.AsBsonDocument))
        {
            if (command.Contains("index"))
            {
                var create = new BsonDocument { { "createIndexes", command["collection"] }, { "indexes", new BsonArray { command["index"] } } };
                await registry.Database.RunCommandAsync<BsonDocument>(create, cancellationToken: ct);
                continue;
            }
            try
            {
                await registry.Database.RunCommandAsync<BsonDocument>(command, cancellationToken: ct);
            }
            catch (MongoCommandException e) when (e.Code == 48) // NamespaceExists: created earlier or by another replica
            {
            }
        }
    }

    /// <summary>
    /// Transactions and change streams need a replica set (or a sharded cluster); a standalone mongod has neither, and the
    /// registry would silently lose its guarantees, so start-up stops with what to do instead.
    /// </summary>
    public static async Task RequireReplicaSetAsync(MongoRegistry registry, CancellationToken ct)
    {
        var hello = await registry.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: ct);
        var topology = DescribeTopology(hello);
        if (topology is null) return;
        throw new InvalidOperationException(topology);
    }

    /// <summary>Null when the server is a replica set member or a mongos; otherwise why the registry refuses it.</summary>
    public static string? DescribeTopology(BsonDocument hello)
    {
        if (hello.Contains("setName") || hello.GetValue("msg", "").ToString() == "isdbgrid") return null;
        return "The configured MongoDB server is a standalone mongod. The registry needs a replica set: its multi-document " +
               "transactions (lineage cycle checks, versions, usage counters) and change streams (the definition cache) do not " +
               "exist on a standalone server. A single-node replica set is enough: start mongod with --replSet rs0, run " +
               "rs.initiate() once, and add ?replicaSet=rs0 to the connection string (docs/operations.md, \"MongoDB\").";
    }
}

/// <summary>Runs before the server accepts requests: hosted services start ahead of the web server.</summary>
internal sealed class StartupStepsHostedService(MongoRegistry registry, ILogger<StartupStepsHostedService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => StartupSteps.ApplyAsync(registry, logger, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static partial class StartupStepsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Applied MongoDB start-up step {Number} ({Name})")]
    public static partial void AppliedStep(this ILogger logger, int number, string name);
}
