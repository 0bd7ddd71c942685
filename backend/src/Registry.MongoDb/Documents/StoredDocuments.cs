using MongoDB.Bson;

namespace Registry.MongoDb.Documents;

// The documents as they are stored: explicit types, mapped by RegistryClassMaps (snake_case element names, Guids in the
// standard representation, instants as UTC dates), never reflection over the domain records. Each carries a
// schema_version so that a later layout can be told apart and migrated by a start-up step. Instants are a UTC date
// (milliseconds, what BSON dates hold) plus its sub-millisecond microseconds in a "<name>_us" field: the registry keeps
// microseconds (as PostgreSQL does), so an answer equals a later read of the same document.

/// <summary>One feature definition (collection feature_definitions); _id is the feature name.</summary>
public sealed class FeatureDocument
{
    public const int CurrentSchema = 1;
    public string Id { get; set; } = "";
    public int SchemaVersion { get; set; } = CurrentSchema;
    public string FeatureName { get; set; } = "";
    public string CurrentVersion { get; set; } = "";
    public string FeatureType { get; set; } = "";
    public string DataType { get; set; } = "";
    public string Status { get; set; } = "";
    public string? Description { get; set; }
    public string Owner { get; set; } = "";
    public List<string> Tags { get; set; } = [];
    public string Entity { get; set; } = "";
    public TransformationDocument? Transformation { get; set; }
    public List<ValidationRuleDocument> ValidationRules { get; set; } = [];
    /// <summary>The lineage edges, upstream direction only and in the declared order; downstream is derived on read.</summary>
    public List<string> UpstreamFeatures { get; set; } = [];
    public string? DuckdbTable { get; set; }
    public string? DuckdbView { get; set; }
    public string ValidationPolicy { get; set; } = "";
    public long UsageCount { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public int? LastUsedAtUs { get; set; }
    public DateTime CreatedAt { get; set; }
    public int CreatedAtUs { get; set; }
    public DateTime UpdatedAt { get; set; }
    public int UpdatedAtUs { get; set; }
    public DateTime? DeprecatedAt { get; set; }
    public int? DeprecatedAtUs { get; set; }
    public int Revision { get; set; }
    /// <summary>Bumped by a feature-set publish that pins this feature, so that a concurrent lifecycle change conflicts with it.</summary>
    public long LockSeq { get; set; }
}

public sealed class TransformationDocument
{
    public string TransformationType { get; set; } = "";
    public string Code { get; set; } = "";
    /// <summary>As the client sent them: numbers as Decimal128 (or integers), so 0.1 stays 0.1 and 1.50 stays 1.50.</summary>
    public BsonDocument Parameters { get; set; } = [];
}

public sealed class ValidationRuleDocument
{
    public string RuleType { get; set; } = "";
    public BsonDocument Parameters { get; set; } = [];
    public bool IsBlocking { get; set; }
}

/// <summary>One state of a definition (collection feature_revisions), written with the change: what as_of reads.</summary>
public sealed class RevisionDocument
{
    public const int CurrentSchema = 1;
    public ObjectId Id { get; set; }
    public int SchemaVersion { get; set; } = CurrentSchema;
    public string FeatureName { get; set; } = "";
    public int Revision { get; set; }
    public DateTime RecordedAt { get; set; }
    public int RecordedAtUs { get; set; }
    public FeatureDocument Document { get; set; } = new();
}

/// <summary>One published version with its immutable snapshots (collection feature_versions).</summary>
public sealed class VersionDocument
{
    public const int CurrentSchema = 1;
    public ObjectId Id { get; set; }
    public int SchemaVersion { get; set; } = CurrentSchema;
    public string FeatureName { get; set; } = "";
    /// <summary>The SemVer precedence key: equal-precedence versions cannot coexist (unique with feature_name).</summary>
    public string VersionKey { get; set; } = "";
    public string Version { get; set; } = "";
    public int Major { get; set; }
    public string? Changelog { get; set; }
    public bool BreakingChanges { get; set; }
    public TransformationDocument? TransformationSnapshot { get; set; }
    public List<ValidationRuleDocument> ValidationSnapshot { get; set; } = [];
    public string CreatedBy { get; set; } = "";
    /// <summary>The API key that published it; absent in documents written before it was recorded.</summary>
    public string? CreatedByKey { get; set; }
    public DateTime CreatedAt { get; set; }
    public int CreatedAtUs { get; set; }
    public bool IsRolledBack { get; set; }
    public DateTime? RolledBackAt { get; set; }
    public int? RolledBackAtUs { get; set; }
    public string? RestoredFrom { get; set; }
}

/// <summary>One usage record (collection feature_usage); _id comes from the counters collection, as a sequence would.</summary>
public sealed class UsageDocument
{
    public const int CurrentSchema = 1;
    public long Id { get; set; }
    public int SchemaVersion { get; set; } = CurrentSchema;
    public string FeatureName { get; set; } = "";
    public string FeatureVersion { get; set; } = "";
    public string UsedByModel { get; set; } = "";
    public string? ModelVersion { get; set; }
    public string Environment { get; set; } = "";
    public double? FeatureImportance { get; set; }
    public double? CorrelationWithTarget { get; set; }
    public string? ExecutionId { get; set; }
    public double? ExecutionDurationMs { get; set; }
    public DateTime UsageTimestamp { get; set; }
    public int UsageTimestampUs { get; set; }
    public DateTime RecordedAt { get; set; }
    public int RecordedAtUs { get; set; }
    public Guid? SnapshotId { get; set; }
}

/// <summary>A feature set's metadata and current version (collection feature_sets); _id is the set name.</summary>
public sealed class FeatureSetDocument
{
    public const int CurrentSchema = 1;
    public string Id { get; set; } = "";
    public int SchemaVersion { get; set; } = CurrentSchema;
    public string FeatureSetName { get; set; } = "";
    public string? Description { get; set; }
    public string Owner { get; set; } = "";
    public List<string> Tags { get; set; } = [];
    public string CurrentVersion { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public int CreatedAtUs { get; set; }
    public DateTime UpdatedAt { get; set; }
    public int UpdatedAtUs { get; set; }
}

/// <summary>A published feature-set version with its ordered members (collection feature_set_versions); never updated.</summary>
public sealed class FeatureSetVersionDocument
{
    public const int CurrentSchema = 1;
    public ObjectId Id { get; set; }
    public int SchemaVersion { get; set; } = CurrentSchema;
    public string FeatureSetName { get; set; } = "";
    public string VersionKey { get; set; } = "";
    public string Version { get; set; } = "";
    public string? Changelog { get; set; }
    public string CreatedBy { get; set; } = "";
    /// <summary>The API key that published it; absent in documents written before it was recorded.</summary>
    public string? CreatedByKey { get; set; }
    public DateTime CreatedAt { get; set; }
    public int CreatedAtUs { get; set; }
    public List<MemberDocument> Members { get; set; } = [];
}

public sealed class MemberDocument
{
    public string FeatureName { get; set; } = "";
    public string FeatureVersion { get; set; } = "";
    public string FeatureVersionKey { get; set; } = "";
}

/// <summary>A snapshot record with its files and features (collection snapshots): one document, so one atomic insert.</summary>
public sealed class SnapshotDocument
{
    public const int CurrentSchema = 1;
    public Guid Id { get; set; }
    public int SchemaVersion { get; set; } = CurrentSchema;
    public string FeatureSetName { get; set; } = "";
    public string VersionKey { get; set; } = "";
    public string FeatureSetVersion { get; set; } = "";
    public DateTime FromTs { get; set; }
    public int FromTsUs { get; set; }
    public DateTime ToTs { get; set; }
    public int ToTsUs { get; set; }
    public string Timeframe { get; set; } = "";
    public List<string>? EntityIds { get; set; }
    public long RowCount { get; set; }
    public string Checksum { get; set; } = "";
    public string? CreatedBy { get; set; }
    /// <summary>The API key that made it; absent in documents written before it was recorded.</summary>
    public string? CreatedByKey { get; set; }
    public DateTime CreatedAt { get; set; }
    public int CreatedAtUs { get; set; }
    public List<SnapshotFileDocument> Files { get; set; } = [];
    public List<SnapshotFeatureDocument> Features { get; set; } = [];
}

public sealed class SnapshotFileDocument
{
    public string Path { get; set; } = "";
    public long RowCount { get; set; }
    public long Bytes { get; set; }
    public string Sha256 { get; set; } = "";
}

public sealed class SnapshotFeatureDocument
{
    public string FeatureName { get; set; } = "";
    public string FeatureVersion { get; set; } = "";
    public int ContractMajor { get; set; }
    public string DataType { get; set; } = "";
    public long ValueCount { get; set; }
    public double? Mean { get; set; }
    public double? Std { get; set; }
    public double? Min { get; set; }
    public double? Max { get; set; }
}

/// <summary>One entry of a snapshot's audit log (collection snapshot_usage); append-only.</summary>
public sealed class SnapshotUsageDocument
{
    public const int CurrentSchema = 1;
    public long Id { get; set; }
    public int SchemaVersion { get; set; } = CurrentSchema;
    public Guid SnapshotId { get; set; }
    public string UsedByModel { get; set; } = "";
    public string ModelVersion { get; set; } = "";
    public string Environment { get; set; } = "";
    public string ExecutionId { get; set; } = "";
    public DateTime UsageTimestamp { get; set; }
    public int UsageTimestampUs { get; set; }
    public DateTime RecordedAt { get; set; }
    public int RecordedAtUs { get; set; }
}

/// <summary>An API key (collection api_keys); _id is the public key id. The secret is never stored, only its SHA-256.</summary>
public sealed class ApiKeyDocument
{
    public const int CurrentSchema = 1;
    public string Id { get; set; } = "";
    public int SchemaVersion { get; set; } = CurrentSchema;
    public string Name { get; set; } = "";
    public List<string> Scopes { get; set; } = [];
    public byte[] SecretHash { get; set; } = [];
    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public int CreatedAtUs { get; set; }
    public DateTime? RevokedAt { get; set; }
    public int? RevokedAtUs { get; set; }
    public string? RevokedBy { get; set; }
    public int Revision { get; set; }
}

/// <summary>A named sequence (collection counters): usage ids, like PostgreSQL's identity columns.</summary>
public sealed class CounterDocument
{
    public string Id { get; set; } = "";
    public long Seq { get; set; }
}

/// <summary>A start-up step as applied (collection registry_startup_steps), the counterpart of schema_migrations.</summary>
public sealed class StartupStepDocument
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string Checksum { get; set; } = "";
    public DateTime AppliedAt { get; set; }
}
