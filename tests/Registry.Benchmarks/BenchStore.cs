using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using Npgsql;
using NpgsqlTypes;
using Registry.Core.Features;
using Registry.Core.Usage;
using Registry.Core.Versions;
using Registry.MongoDb;
using Registry.MongoDb.Documents;
using Registry.Postgres;
using Registry.Postgres.LocalCluster;

namespace Registry.Benchmarks;

/// <summary>
/// The registry store the run measures: a throwaway local PostgreSQL cluster (the default), or a MongoDB replica set named
/// by <see cref="MongoVariable"/> (ADR 0051). It loads the dataset the way its store writes it, and runs the raw baselines
/// beside the API's cases: the store's own read behind GET one definition and its lineage walk.
/// </summary>
internal abstract class BenchStore : IAsyncDisposable
{
    /// <summary>A MongoDB connection string (a replica set): the run's API uses the MongoDB store, in a database of its own.</summary>
    public const string MongoVariable = "REGISTRY_BENCH_MONGODB";

    /// <summary>ConnectionStrings__Registry for the API: the scheme selects its store.</summary>
    public abstract string ConnectionString { get; }

    /// <summary>For the report: the server and where it runs, e.g. "PostgreSQL 15.18 (…) (a throwaway local cluster)".</summary>
    public abstract string Description { get; }

    /// <summary>For the report: how the definitions are bulk-loaded, and what goes in.</summary>
    public abstract string DefinitionsLoad { get; }

    /// <summary>For the report: how the usage records are made.</summary>
    public abstract string UsageLoad { get; }

    /// <summary>The raw baselines' titles and descriptions, as the report shows them.</summary>
    public abstract (string Title, string What) RawDefinition { get; }

    public abstract (string Title, string What) RawWalk(int depth);

    public abstract Task LoadDefinitionsAsync(IReadOnlyList<(FeatureDefinition Feature, FeatureVersion Version)> rows, CancellationToken ct);

    /// <summary>
    /// usageRows records spread over every bench_ feature, the same on both stores: record g uses feature g mod (layers ×
    /// width), model_{g mod models}, and times and figures derived from g.
    /// </summary>
    public abstract Task LoadUsageAsync(DatasetShape shape, int models, CancellationToken ct);

    /// <summary>Lineage edges of the bench_ graph, usage records, lineage edges of the graph_ graph: what was loaded, read back.</summary>
    public abstract Task<(long Edges, long Usage, long GraphEdges)> CountAsync(CancellationToken ct);

    /// <summary>The raw read behind GET one definition.</summary>
    public abstract Task ReadDefinitionAsync(string name, CancellationToken ct);

    /// <summary>The raw upstream walk behind a lineage request.</summary>
    public abstract Task WalkAsync(string root, int depth, CancellationToken ct);

    public abstract ValueTask DisposeAsync();

    /// <summary>The store named by the environment: MongoDB when <see cref="MongoVariable"/> is set (checked now, so a wrong one fails in seconds), else PostgreSQL.</summary>
    public static async Task<BenchStore> StartAsync(string folder, CancellationToken ct) =>
        Environment.GetEnvironmentVariable(MongoVariable) is { Length: > 0 } mongo
            ? await MongoBenchStore.ConnectAsync(mongo, ct)
            : await PostgresBenchStore.StartClusterAsync(folder, ct);

    /// <summary>Fails in seconds, before the long parts of the run, when the MongoDB variable is set but unusable.</summary>
    public static async Task CheckConfiguredAsync(CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(MongoVariable) is { Length: > 0 } mongo) await MongoBenchStore.CheckAsync(mongo, ct);
    }

    /// <summary>Usage record g of <see cref="LoadUsageAsync"/>: the PostgreSQL store's SQL computes the same on the server.</summary>
    internal static FeatureUsage Usage(long g, DatasetShape shape, int models, DateTimeOffset now)
    {
        var feature = g % (shape.Layers * shape.Width);
        return new FeatureUsage
        {
            FeatureName = Generator.Name((int)(feature / shape.Width), (int)(feature % shape.Width)),
            FeatureVersion = "1.0.0",
            UsedByModel = FormattableString.Invariant($"model_{g % models}"),
            ModelVersion = FormattableString.Invariant($"v{(g / models) % 3 + 1}"),
            Environment = (UsageEnvironment)(g % 3),
            FeatureImportance = (g * 7919 % 1000) / 1000.0,
            ExecutionId = FormattableString.Invariant($"run_{g / 100}"),
            ExecutionDurationMs = (g * 104729 % 5000) / 10.0,
            UsageTimestamp = now.AddSeconds(-(g * 2654435761 % (60 * 86400))),
        };
    }
}

/// <summary>The default: a throwaway local cluster, loaded by binary COPY and one INSERT … SELECT; raw baselines through Npgsql.</summary>
internal sealed class PostgresBenchStore : BenchStore
{
    private readonly LocalPostgresCluster _cluster;
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresFeatureStore _store;

    private PostgresBenchStore(LocalPostgresCluster cluster, string connectionString, string version)
    {
        _cluster = cluster;
        ConnectionString = connectionString;
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _store = new PostgresFeatureStore(_dataSource);
        Description = $"PostgreSQL {version} (a throwaway local cluster)";
    }

    public override string ConnectionString { get; }
    public override string Description { get; }
    public override string DefinitionsLoad => "bulk-loaded by binary COPY into the store's tables as the store writes them (row, edges, version 1.0.0, revision 1 with its JSON document)";
    public override string UsageLoad => "one INSERT … SELECT generate_series";
    public override (string Title, string What) RawDefinition => ("raw Npgsql: the store's read behind GET one definition",
        "`PostgresFeatureStore.GetAsync(name)` in the harness's process (one SELECT with the upstream and downstream arrays, mapped to the record)");

    public override (string Title, string What) RawWalk(int depth) => ("raw Npgsql: the recursive walk behind (lineage)",
        $"`PostgresLineageStore.WalkSql`, upstream depth {depth}: one of the four statements of a lineage request");

    public static async Task<PostgresBenchStore> StartClusterAsync(string folder, CancellationToken ct)
    {
        Harness.Log($"starting PostgreSQL in {folder}");
        var cluster = await LocalPostgresCluster.StartAsync(Path.Combine(folder, "postgres"), deleteOnDispose: true, ct: ct);
        try
        {
            await cluster.EnsureDatabaseAsync("registry_bench", ct);
            var connectionString = cluster.ConnectionString("registry_bench");
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var version = dataSource.CreateCommand("SHOW server_version");
            return new PostgresBenchStore(cluster, connectionString, (string)(await version.ExecuteScalarAsync(ct))!);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Binary COPY of the definitions into features, feature_upstreams, feature_versions and feature_revisions, in one
    /// transaction, with the values PostgresFeatureStore.CreateAsync writes (enum wire names, StoredJson documents, the
    /// SemVer precedence key): what a registry of that size holds, loaded in seconds instead of one transaction per feature.
    /// </summary>
    public override async Task LoadDefinitionsAsync(IReadOnlyList<(FeatureDefinition Feature, FeatureVersion Version)> rows, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var w = await connection.BeginBinaryImportAsync("""
            COPY features (feature_name, current_version, feature_type, data_type, status, description, owner, tags, entity, transformation,
                           validation_rules, duckdb_table, duckdb_view, usage_count, created_at, updated_at, revision, validation_policy)
            FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var (f, _) in rows)
            {
                await w.StartRowAsync(ct);
                await w.WriteAsync(f.FeatureName, NpgsqlDbType.Text, ct);
                await w.WriteAsync(f.CurrentVersion, NpgsqlDbType.Text, ct);
                await w.WriteAsync(StoredJson.Wire(f.FeatureType), NpgsqlDbType.Text, ct);
                await w.WriteAsync(StoredJson.Wire(f.DataType), NpgsqlDbType.Text, ct);
                await w.WriteAsync(StoredJson.Wire(f.Status), NpgsqlDbType.Text, ct);
                await w.WriteAsync(f.Description, NpgsqlDbType.Text, ct);
                await w.WriteAsync(f.Owner, NpgsqlDbType.Text, ct);
                await w.WriteAsync(f.Tags.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await w.WriteAsync(f.Entity, NpgsqlDbType.Text, ct);
                if (f.Transformation is null) await w.WriteNullAsync(ct);
                else await w.WriteAsync(JsonSerializer.Serialize(f.Transformation, StoredJson.Options), NpgsqlDbType.Json, ct);
                await w.WriteAsync(JsonSerializer.Serialize(f.ValidationRules, StoredJson.Options), NpgsqlDbType.Json, ct);
                await w.WriteAsync(f.DuckDbTable!, NpgsqlDbType.Text, ct);
                await w.WriteNullAsync(ct);
                await w.WriteAsync(f.UsageCount, NpgsqlDbType.Bigint, ct);
                await w.WriteAsync(f.CreatedAt, NpgsqlDbType.TimestampTz, ct);
                await w.WriteAsync(f.UpdatedAt, NpgsqlDbType.TimestampTz, ct);
                await w.WriteAsync(f.Revision, NpgsqlDbType.Integer, ct);
                await w.WriteAsync(StoredJson.Wire(f.ValidationPolicy), NpgsqlDbType.Text, ct);
            }
            await w.CompleteAsync(ct);
        }
        await using (var w = await connection.BeginBinaryImportAsync("COPY feature_upstreams (feature_name, upstream_name, position) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var (f, _) in rows)
                for (var p = 0; p < f.UpstreamFeatures.Count; p++)
                {
                    await w.StartRowAsync(ct);
                    await w.WriteAsync(f.FeatureName, NpgsqlDbType.Text, ct);
                    await w.WriteAsync(f.UpstreamFeatures[p], NpgsqlDbType.Text, ct);
                    await w.WriteAsync(p + 1, NpgsqlDbType.Integer, ct);
                }
            await w.CompleteAsync(ct);
        }
        await using (var w = await connection.BeginBinaryImportAsync("""
            COPY feature_versions (feature_name, version_key, version, major, changelog, breaking_changes, transformation_snapshot,
                                   validation_snapshot, created_by, created_at)
            FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var (_, v) in rows)
            {
                var parsed = SemVer.Parse(v.Version);
                await w.StartRowAsync(ct);
                await w.WriteAsync(v.FeatureName, NpgsqlDbType.Text, ct);
                await w.WriteAsync(SemVer.Key(parsed), NpgsqlDbType.Text, ct);
                await w.WriteAsync(v.Version, NpgsqlDbType.Text, ct);
                await w.WriteAsync(parsed.Major, NpgsqlDbType.Integer, ct);
                await w.WriteAsync(v.Changelog, NpgsqlDbType.Text, ct);
                await w.WriteAsync(v.BreakingChanges, NpgsqlDbType.Boolean, ct);
                if (v.TransformationSnapshot is null) await w.WriteNullAsync(ct);
                else await w.WriteAsync(JsonSerializer.Serialize(v.TransformationSnapshot, StoredJson.Options), NpgsqlDbType.Json, ct);
                await w.WriteAsync(JsonSerializer.Serialize(v.ValidationSnapshot, StoredJson.Options), NpgsqlDbType.Json, ct);
                await w.WriteAsync(v.CreatedBy, NpgsqlDbType.Text, ct);
                await w.WriteAsync(v.CreatedAt, NpgsqlDbType.TimestampTz, ct);
            }
            await w.CompleteAsync(ct);
        }
        await using (var w = await connection.BeginBinaryImportAsync("COPY feature_revisions (feature_name, revision, recorded_at, document) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var (f, _) in rows)
            {
                await w.StartRowAsync(ct);
                await w.WriteAsync(f.FeatureName, NpgsqlDbType.Text, ct);
                await w.WriteAsync(f.Revision, NpgsqlDbType.Integer, ct);
                await w.WriteAsync(f.UpdatedAt, NpgsqlDbType.TimestampTz, ct);
                await w.WriteAsync(JsonSerializer.Serialize(f, StoredJson.Options), NpgsqlDbType.Jsonb, ct);
            }
            await w.CompleteAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    public override async Task LoadUsageAsync(DatasetShape shape, int models, CancellationToken ct)
    {
        // The same records as BenchStore.Usage, made by the server in one statement.
        await using (var cmd = _dataSource.CreateCommand("""
            INSERT INTO feature_usage (feature_name, feature_version, used_by_model, model_version, environment, feature_importance,
                                       execution_id, execution_duration_ms, usage_timestamp, recorded_at)
            SELECT format('bench_l%s_%s', (g % ($1 * $2)) / $2, (g % ($1 * $2)) % $2), '1.0.0',
                   'model_' || (g % $4), 'v' || ((g / $4) % 3 + 1),
                   (ARRAY['dev', 'staging', 'production'])[(g % 3)::int + 1],
                   ((g * 7919) % 1000) / 1000.0, 'run_' || (g / 100), ((g * 104729) % 5000) / 10.0,
                   now() - ((g * 2654435761) % (60 * 86400)) * interval '1 second', now()
            FROM generate_series(0, $3 - 1) AS s (n), LATERAL (SELECT n::bigint AS g) AS b
            """))
        {
            cmd.CommandTimeout = 600;
            foreach (var v in new[] { shape.Layers, shape.Width, shape.UsageRows, models }) cmd.Parameters.Add(new() { Value = v });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await using var analyze = _dataSource.CreateCommand("ANALYZE");
        await analyze.ExecuteNonQueryAsync(ct);
    }

    public override async Task<(long Edges, long Usage, long GraphEdges)> CountAsync(CancellationToken ct)
    {
        await using var counts = _dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM feature_upstreams WHERE feature_name LIKE 'bench\_%'), (SELECT count(*) FROM feature_usage),
                   (SELECT count(*) FROM feature_upstreams WHERE feature_name LIKE 'graph\_%')
            """);
        await using var reader = await counts.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public override async Task ReadDefinitionAsync(string name, CancellationToken ct) =>
        _ = await _store.GetAsync(name, ct) ?? throw new InvalidOperationException("definition missing");

    public override async Task WalkAsync(string root, int depth, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(PostgresLineageStore.WalkSql, connection);
        cmd.Parameters.Add(new() { Value = root });
        cmd.Parameters.Add(new() { Value = depth });
        cmd.Parameters.Add(new() { Value = 0 });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) _ = reader.GetString(0);
    }

    public override async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _cluster.DisposeAsync();
    }
}

/// <summary>
/// MongoDB, named by REGISTRY_BENCH_MONGODB (a replica set, as the API's store needs): the run gets a database of its own,
/// dropped at the end. The definitions are inserted with the driver's InsertMany as the store's own documents
/// (<see cref="DocumentMapping"/>: the feature with its upstream array, version 1.0.0, revision 1), after the loader API
/// made the collections and indexes; the raw baselines are the store's own classes, MongoFeatureStore.GetAsync and
/// MongoLineageStore.WalkAsync ($graphLookup).
/// </summary>
internal sealed class MongoBenchStore : BenchStore
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly MongoRegistry _registry;
    private readonly MongoFeatureStore _store;
    private readonly MongoLineageStore _lineage;

    private MongoBenchStore(string connectionString, string version, string host)
    {
        ConnectionString = connectionString;
        _registry = new MongoRegistry(connectionString);
        _store = new MongoFeatureStore(_registry);
        _lineage = new MongoLineageStore(_registry);
        Description = $"MongoDB {version} at {host} ({MongoVariable}; database {_registry.DatabaseName}, dropped at the end)";
    }

    public override string ConnectionString { get; }
    public override string Description { get; }
    public override string DefinitionsLoad => "bulk-loaded by the driver's InsertMany into the store's collections as the store writes them (document with its upstream array, version 1.0.0, revision 1 with its document)";
    public override string UsageLoad => "InsertMany of the same generated records, ids reserved as the store reserves them";
    public override (string Title, string What) RawDefinition => ("raw MongoDB driver: the store's read behind GET one definition",
        "`MongoFeatureStore.GetAsync(name)` in the harness's process (the document by _id, then its downstream names, mapped to the record)");

    public override (string Title, string What) RawWalk(int depth) => ("raw MongoDB driver: the $graphLookup walk behind (lineage)",
        $"`MongoLineageStore.WalkAsync`, upstream depth {depth}: the aggregation behind a lineage request's walk");

    /// <summary>
    /// The server answers, within seconds, as a replica set member (the API's store needs transactions and change streams);
    /// otherwise a message that names the variable and what to fix. Credentials are never printed.
    /// </summary>
    public static async Task<(string Version, string Host)> CheckAsync(string connectionString, CancellationToken ct)
    {
        MongoUrl url;
        try { url = MongoUrl.Create(connectionString); }
        catch (MongoConfigurationException)
        {
            // Not the driver's message: it repeats the string, credentials and all.
            throw new BenchConfigurationException($"{MongoVariable} is not a MongoDB connection string; it takes one such as mongodb://host:27017/?replicaSet=rs0.");
        }
        var host = string.Join(',', url.Servers.Select(s => s.ToString()));
        var settings = MongoClientSettings.FromUrl(url);
        settings.ServerSelectionTimeout = ConnectTimeout;
        settings.ConnectTimeout = ConnectTimeout;
        using var client = new MongoClient(settings);
        BsonDocument hello;
        try
        {
            hello = await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: ct);
        }
        catch (Exception e) when (e is TimeoutException or MongoException)
        {
            throw new BenchConfigurationException(
                $"{MongoVariable}: no MongoDB answered at {host} within {ConnectTimeout.TotalSeconds:F0} s ({e.GetType().Name}). Start one (a replica set), " +
                $"or unset {MongoVariable} to run on a throwaway PostgreSQL cluster.");
        }
        if (!hello.Contains("setName"))
        {
            throw new BenchConfigurationException(
                $"{MongoVariable}: the MongoDB at {host} is not a replica set member; the API's MongoDB store needs one (transactions, change streams). " +
                "A single node started with --replSet rs0 and initiated with rs.initiate() will do.");
        }
        var build = await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("buildInfo", 1), cancellationToken: ct);
        return (build.GetValue("version", "unknown").ToString()!, host);
    }

    public static async Task<MongoBenchStore> ConnectAsync(string connectionString, CancellationToken ct)
    {
        var (version, host) = await CheckAsync(connectionString, ct);
        // A database of the run's own, whatever the variable names: the run drops it at the end.
        var url = new MongoUrlBuilder(connectionString) { DatabaseName = $"registry_bench_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Environment.ProcessId}" };
        Harness.Log($"using MongoDB {version} at {host}, database {url.DatabaseName}");
        return new MongoBenchStore(url.ToString(), version, host);
    }

    public override async Task LoadDefinitionsAsync(IReadOnlyList<(FeatureDefinition Feature, FeatureVersion Version)> rows, CancellationToken ct)
    {
        // Unordered: the server may apply the batches in any order; the driver splits them by its size limits.
        var options = new InsertManyOptions { IsOrdered = false };
        await _registry.Features.InsertManyAsync(rows.Select(r => (r.Feature with { DownstreamFeatures = [] }).ToDocument()), options, ct);
        await _registry.Versions.InsertManyAsync(rows.Select(r => r.Version.ToDocument()), options, ct);
        await _registry.Revisions.InsertManyAsync(rows.Select(r => r.Feature.ToRevision()), options, ct);
    }

    public override async Task LoadUsageAsync(DatasetShape shape, int models, CancellationToken ct)
    {
        const int batch = 10_000;
        var now = DateTimeOffset.UtcNow;
        var firstId = await _registry.ReserveIdsAsync(Collections.Usage, shape.UsageRows, ct);
        for (long from = 0; from < shape.UsageRows; from += batch)
        {
            var documents = new List<UsageDocument>(batch);
            for (var g = from; g < Math.Min(from + batch, shape.UsageRows); g++) documents.Add(Usage(g, shape, models, now).ToDocument(firstId + g, now));
            await _registry.Usage.InsertManyAsync(documents, new InsertManyOptions { IsOrdered = false }, ct);
        }
    }

    public override async Task<(long Edges, long Usage, long GraphEdges)> CountAsync(CancellationToken ct)
    {
        var upstream = BsonClassMap.LookupClassMap(typeof(FeatureDocument)).GetMemberMap(nameof(FeatureDocument.UpstreamFeatures)).ElementName;
        var features = _registry.Database.GetCollection<BsonDocument>(Collections.Features);
        var groups = await features.Aggregate()
            .Group(new BsonDocument
            {
                { "_id", new BsonDocument("$substrCP", new BsonArray { "$_id", 0, 6 }) },
                { "edges", new BsonDocument("$sum", new BsonDocument("$size", new BsonDocument("$ifNull", new BsonArray { "$" + upstream, new BsonArray() }))) },
            })
            .ToListAsync(ct);
        long Edges(string prefix) => groups.Where(g => g["_id"].AsString == prefix).Sum(g => g["edges"].ToInt64());
        var usage = await _registry.Usage.CountDocumentsAsync(FilterDefinition<UsageDocument>.Empty, cancellationToken: ct);
        return (Edges("bench_"), usage, Edges("graph_"));
    }

    public override async Task ReadDefinitionAsync(string name, CancellationToken ct) =>
        _ = await _store.GetAsync(name, ct) ?? throw new InvalidOperationException("definition missing");

    public override async Task WalkAsync(string root, int depth, CancellationToken ct) => _ = await _lineage.WalkAsync(root, depth, 0, ct);

    public override async ValueTask DisposeAsync()
    {
        try { await _registry.Client.DropDatabaseAsync(_registry.DatabaseName); }
        catch (Exception e) when (e is TimeoutException or MongoException) { Harness.Log($"could not drop {_registry.DatabaseName}: {e.Message}"); }
        _registry.Client.Dispose();
    }
}

/// <summary>A setting the run cannot use: printed as is, without a stack trace, and the run stops with exit code 2.</summary>
internal sealed class BenchConfigurationException(string message) : Exception(message);
