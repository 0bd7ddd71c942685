using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;
using Registry.Api.Infrastructure;
using Registry.Core.Features;
using Registry.MongoDb;
using Registry.MongoDb.Documents;

namespace Registry.Tests.MongoDb;

/// <summary>Start-up steps, store selection, fault classification and the change listener's rules, without a server.</summary>
public sealed partial class MongoStartupTests
{
    static MongoStartupTests() => RegistryClassMaps.Register();

    [Fact]
    public void The_index_list_equals_the_documented_one()
    {
        var docs = File.ReadAllText(Path.Combine(DatabaseSetup.FindRepositoryRoot(AppContext.BaseDirectory), "docs", "operations.md"));
        var table = docs[docs.IndexOf("<!-- mongodb-indexes -->", StringComparison.Ordinal)..docs.IndexOf("<!-- /mongodb-indexes -->", StringComparison.Ordinal)];
        var documented = TableRow().Matches(table).Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value} {m.Groups[3].Value} {m.Groups[4].Value.Trim()}").ToList();
        var declared = StartupSteps.Indexes.Select(i =>
            $"{i.Collection} {i.Name} {i.Keys.ToJson()} {(i.Unique ? "unique" : "")}{(i.PartialFilter is { } p ? " partial " + p.ToJson() : "")}".Trim()).ToList();
        Assert.Equal(declared, documented.Select(d => d.Trim()).ToList());
        // The original system's seven on definitions are all there.
        Assert.Equal(["feature_name_1", "owner_1", "feature_type_1", "status_1", "tags_1", "created_at_-1", "feature_name_1_current_version_1"],
            StartupSteps.Indexes.Where(i => i.Collection == Collections.Features).Take(7).Select(i => i.Name));
    }

    [GeneratedRegex(@"^\| `(\w+)` \| `([^`]+)` \| `([^`]+)` \| ([^|]*) \|$", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [Fact]
    public void Start_up_steps_are_numbered_in_order_and_their_checksums_are_stable()
    {
        Assert.Equal(Enumerable.Range(1, StartupSteps.All.Count), StartupSteps.All.Select(s => s.Number));
        Assert.All(StartupSteps.All, s => Assert.Matches("^[0-9a-f]{64}$", s.Checksum));
        // Released steps are never edited: a changed definition must show as a changed checksum (and stop start-up).
        Assert.Equal("collections", StartupSteps.All[0].Name);
        Assert.Contains(StartupSteps.All[0].Definition, c => c.AsBsonDocument.Contains("collMod")
            && c["changeStreamPreAndPostImages"]["enabled"].AsBoolean);
        Assert.Equal(StartupSteps.Indexes.Count, StartupSteps.All[1].Definition.Count);
    }

    [Fact]
    public void A_standalone_server_is_refused_with_what_to_do_and_a_replica_set_or_mongos_is_accepted()
    {
        var standalone = StartupSteps.DescribeTopology(new BsonDocument { { "isWritablePrimary", true }, { "maxWireVersion", 21 } });
        Assert.NotNull(standalone);
        Assert.Contains("standalone", standalone);
        Assert.Contains("--replSet rs0", standalone);
        Assert.Contains("rs.initiate()", standalone);
        Assert.Null(StartupSteps.DescribeTopology(new BsonDocument { { "isWritablePrimary", true }, { "setName", "rs0" } }));
        Assert.Null(StartupSteps.DescribeTopology(new BsonDocument { { "isWritablePrimary", true }, { "msg", "isdbgrid" } }));
    }

    [Theory]
    [InlineData("mongodb://localhost:27017/registry?replicaSet=rs0", RegistryStoreKind.MongoDb)]
    [InlineData("mongodb+srv://user:pw@cluster0.example.net/registry", RegistryStoreKind.MongoDb)]
    [InlineData("  MongoDB://host/registry", RegistryStoreKind.MongoDb)]
    [InlineData("Host=localhost;Database=registry;Username=registry", RegistryStoreKind.PostgreSql)]
    [InlineData("", RegistryStoreKind.PostgreSql)]
    [InlineData(null, RegistryStoreKind.PostgreSql)]
    public void The_connection_string_selects_the_store(string? connectionString, RegistryStoreKind kind)
    {
        Assert.Equal(kind, RegistryStoreSelection.Of(connectionString));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Registry"] = connectionString }).Build();
        Assert.Equal(kind, RegistryStoreSelection.Of(configuration));
    }

    [Fact]
    public void The_client_defaults_to_majority_writes_and_a_short_server_selection_timeout_unless_the_uri_says_otherwise()
    {
        var registry = new MongoRegistry("mongodb://127.0.0.1:1/reg_test?replicaSet=rs0");
        Assert.Equal("reg_test", registry.DatabaseName);
        Assert.Equal(WriteConcern.WMajority, registry.Client.Settings.WriteConcern);
        Assert.Equal(TimeSpan.FromSeconds(5), registry.Client.Settings.ServerSelectionTimeout);
        var explicitly = new MongoRegistry("mongodb://127.0.0.1:1/?w=1&serverSelectionTimeoutMS=1000");
        Assert.Equal("registry", explicitly.DatabaseName);
        Assert.Equal(TimeSpan.FromSeconds(1), explicitly.Client.Settings.ServerSelectionTimeout);
        Assert.Equal(new WriteConcern(1), explicitly.Client.Settings.WriteConcern);
    }

    private static readonly ConnectionId Connection = new(new ServerId(new ClusterId(), new System.Net.DnsEndPoint("localhost", 27017)));

    private static MongoCommandException Command(int code, string codeName, string message, params string[] labels)
    {
        var result = new BsonDocument { { "ok", 0 }, { "errmsg", message }, { "code", code }, { "codeName", codeName } };
        if (labels.Length > 0) result.Add("errorLabels", new BsonArray(labels));
        return new MongoCommandException(Connection, message, new BsonDocument("insert", "feature_definitions"), result);
    }

    [Fact]
    public void A_duplicate_key_names_the_unique_index_that_refused_it()
    {
        var onName = Command(11000, "DuplicateKey", "E11000 duplicate key error collection: registry.feature_definitions index: _id_ dup key: { _id: \"f\" }");
        var onTable = Command(11000, "DuplicateKey", "E11000 duplicate key error collection: registry.feature_definitions index: duckdb_table_1 dup key: { duckdb_table: \"t\" }");
        Assert.Equal("_id_", MongoFaults.DuplicateKeyIndex(onName));
        Assert.Equal("duckdb_table_1", MongoFaults.DuplicateKeyIndex(onTable));
        Assert.True(MongoFaults.IsDuplicateKey(new InvalidOperationException("wrapped", onName)));
        Assert.False(MongoFaults.IsDuplicateKey(Command(2, "BadValue", "bad")));
        Assert.False(MongoFaults.IsUnavailable(onName));
        Assert.Null(MongoFaults.Translate(onName)); // a 409 from the store, never a 503
    }

    [Fact]
    public void A_write_conflict_is_a_conflict_to_retry_not_an_outage()
    {
        var conflict = Command(112, "WriteConflict", "Write conflict during plan execution", "TransientTransactionError");
        Assert.True(MongoFaults.IsWriteConflict(conflict));
        Assert.False(MongoFaults.IsUnavailable(conflict));
        Assert.Null(MongoFaults.Translate(conflict));
        Assert.False(MongoFaults.IsWriteConflict(Command(2, "BadValue", "bad")));
    }

    [Fact]
    public void No_server_selected_a_lost_connection_or_no_primary_is_the_registry_database_being_unavailable()
    {
        var selection = new TimeoutException("A timeout occurred after 5000ms selecting a server using CompositeServerSelector. Client view of cluster state is { Type : \"ReplicaSet\", Servers : [] }.");
        Assert.True(MongoFaults.IsUnavailable(selection));
        Assert.Same(selection, MongoFaults.Translate(selection)?.InnerException);
        var lost = new MongoConnectionException(Connection, "An exception occurred while receiving a message from the server.", new IOException("reset"));
        Assert.True(MongoFaults.IsUnavailable(lost));
        Assert.Same(lost, MongoFaults.Translate(lost)?.InnerException);
        var steppedDown = Command(189, "PrimarySteppedDown", "primary stepped down");
        Assert.True(MongoFaults.IsUnavailable(steppedDown));
        Assert.Same(steppedDown, MongoFaults.Translate(steppedDown)?.InnerException);
        Assert.False(MongoFaults.IsUnavailable(new InvalidOperationException("a bug")));
    }

    private static ChangeStreamDocument<FeatureDocument> Change(string json) =>
        new(BsonDocument.Parse(json), MongoDB.Bson.Serialization.BsonSerializer.LookupSerializer<FeatureDocument>());

    [Fact]
    public void A_change_forgets_the_feature_and_its_upstream_features_before_and_after()
    {
        Assert.Equal(["b", "a"], MongoChangeListener.ForgetOf(Change(
            """{ "_id" : { "_data" : "1" }, "operationType" : "insert", "documentKey" : { "_id" : "b" }, "fullDocument" : { "upstream_features" : ["a"] } }""")));
        Assert.Equal(["c", "a", "x", "b"], MongoChangeListener.ForgetOf(Change(
            """{ "_id" : { "_data" : "2" }, "operationType" : "update", "documentKey" : { "_id" : "c" }, "fullDocumentBeforeChange" : { "upstream_features" : ["a", "x"] }, "fullDocument" : { "upstream_features" : ["b", "a"] } }""")));
        Assert.Equal(["c", "a"], MongoChangeListener.ForgetOf(Change(
            """{ "_id" : { "_data" : "3" }, "operationType" : "delete", "documentKey" : { "_id" : "c" }, "fullDocumentBeforeChange" : { "upstream_features" : ["a"] } }""")));
    }

    [Fact]
    public void A_change_that_cannot_say_what_it_changed_forgets_everything()
    {
        // No pre-image (the collection option was removed, or the image expired): the old upstream features are unknown.
        Assert.Null(MongoChangeListener.ForgetOf(Change(
            """{ "_id" : { "_data" : "4" }, "operationType" : "update", "documentKey" : { "_id" : "c" }, "fullDocument" : { "upstream_features" : [] } }""")));
        Assert.Null(MongoChangeListener.ForgetOf(Change("""{ "_id" : { "_data" : "5" }, "operationType" : "drop" }""")));

        var cache = new FeatureDefinitionCache();
        var forgotten = new List<string?>();
        cache.Changed += forgotten.Add;
        MongoChangeListener.Apply(cache, Change("""{ "_id" : { "_data" : "6" }, "operationType" : "invalidate" }"""));
        Assert.Equal([null], forgotten);
    }

    [Fact]
    public void A_refused_cycle_is_named_by_its_shortest_path()
    {
        var upstream = new Dictionary<string, List<string>>
        {
            ["a"] = ["b", "x"], ["b"] = ["c"], ["c"] = ["a"], ["x"] = ["a"],
        };
        Assert.Equal(["a", "x", "a"], MongoFeatureStore.ShortestCycle("a", upstream));
        Assert.Equal(["s", "s"], MongoFeatureStore.ShortestCycle("s", new Dictionary<string, List<string>> { ["s"] = ["s"] }));
        Assert.Equal(["a", "b", "c", "a"], MongoFeatureStore.ShortestCycle("a", new Dictionary<string, List<string>> { ["a"] = ["b"], ["b"] = ["c"], ["c"] = ["a"] }));
    }
}
