using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Conventions;
using MongoDB.Bson.Serialization.Serializers;

namespace Registry.MongoDb.Documents;

/// <summary>
/// The class maps of every stored document, registered once per process. A convention pack limited to this namespace
/// gives snake_case element names, UTC dates and standard-representation Guids, so no other code in the process (nor a
/// global serializer) is affected; the golden-document tests pin the result.
/// </summary>
public static class RegistryClassMaps
{
    private static readonly Lock Gate = new();
    private static bool _registered;

    public static void Register()
    {
        lock (Gate)
        {
            if (_registered) return;
            var pack = new ConventionPack
            {
                new SnakeCaseElementNameConvention(),
                new UtcDatesAndStandardGuidsConvention(),
                new IgnoreExtraElementsConvention(false),
            };
            ConventionRegistry.Register("registry-mongodb-documents", pack, t => t.Namespace == typeof(RegistryClassMaps).Namespace);

            Map<FeatureDocument>();
            Map<TransformationDocument>();
            Map<ValidationRuleDocument>();
            Map<RevisionDocument>();
            Map<VersionDocument>();
            Map<UsageDocument>();
            Map<FeatureSetDocument>();
            Map<FeatureSetVersionDocument>();
            Map<MemberDocument>();
            Map<SnapshotDocument>();
            Map<SnapshotFileDocument>();
            Map<SnapshotFeatureDocument>();
            Map<SnapshotUsageDocument>();
            Map<ApiKeyDocument>();
            Map<CounterDocument>();
            Map<StartupStepDocument>();
            _registered = true;
        }
    }

    private static void Map<T>()
    {
        if (BsonClassMap.IsClassMapRegistered(typeof(T))) return;
        BsonClassMap.RegisterClassMap<T>(cm =>
        {
            cm.AutoMap();
            // Ids are always assigned by the store (names, sequences, UUIDs) or, for ObjectIds, by the driver on insert.
            if (cm.IdMemberMap is { } id && id.MemberType == typeof(ObjectId)) id.SetIdGenerator(MongoDB.Bson.Serialization.IdGenerators.ObjectIdGenerator.Instance);
        });
    }

    private sealed class SnakeCaseElementNameConvention() : ConventionBase("RegistrySnakeCase"), IMemberMapConvention
    {
        public void Apply(BsonMemberMap memberMap)
        {
            if (memberMap.MemberName == "Id") return; // _id
            memberMap.SetElementName(JsonNamingPolicy.SnakeCaseLower.ConvertName(memberMap.MemberName));
        }
    }

    private sealed class UtcDatesAndStandardGuidsConvention() : ConventionBase("RegistryUtcDatesStandardGuids"), IMemberMapConvention
    {
        private static readonly DateTimeSerializer Utc = new(DateTimeKind.Utc);
        private static readonly GuidSerializer Standard = new(GuidRepresentation.Standard);

        public void Apply(BsonMemberMap memberMap)
        {
            if (memberMap.MemberType == typeof(DateTime)) memberMap.SetSerializer(Utc);
            else if (memberMap.MemberType == typeof(DateTime?)) memberMap.SetSerializer(new NullableSerializer<DateTime>(Utc));
            else if (memberMap.MemberType == typeof(Guid)) memberMap.SetSerializer(Standard);
            else if (memberMap.MemberType == typeof(Guid?)) memberMap.SetSerializer(new NullableSerializer<Guid>(Standard));
        }
    }
}
