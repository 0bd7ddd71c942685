using Registry.Core.Auth;
using Registry.Core.Features;
using Registry.Core.FeatureSets;
using Registry.Core.Snapshots;
using Registry.Core.Usage;
using Registry.Core.Versions;
using static Registry.MongoDb.Documents.StoredValues;

namespace Registry.MongoDb.Documents;

/// <summary>Domain records to stored documents and back, by hand: every field is named here once, and tested.</summary>
public static class DocumentMapping
{
    public static FeatureDocument ToDocument(this FeatureDefinition f)
    {
        var (created, createdUs) = Split(f.CreatedAt);
        var (updated, updatedUs) = Split(f.UpdatedAt);
        var lastUsed = f.LastUsedAt is { } l ? Split(l) : ((DateTime, int)?)null;
        var deprecated = f.DeprecatedAt is { } d ? Split(d) : ((DateTime, int)?)null;
        return new FeatureDocument
        {
            Id = f.FeatureName,
            FeatureName = f.FeatureName,
            CurrentVersion = f.CurrentVersion,
            FeatureType = Wire(f.FeatureType),
            DataType = Wire(f.DataType),
            Status = Wire(f.Status),
            Description = f.Description,
            Owner = f.Owner,
            Tags = [.. f.Tags],
            Entity = f.Entity,
            Transformation = f.Transformation?.ToDocument(),
            ValidationRules = [.. f.ValidationRules.Select(ToDocument)],
            UpstreamFeatures = [.. f.UpstreamFeatures],
            DuckdbTable = f.DuckDbTable,
            DuckdbView = f.DuckDbView,
            ValidationPolicy = Wire(f.ValidationPolicy),
            UsageCount = f.UsageCount,
            LastUsedAt = lastUsed?.Item1,
            LastUsedAtUs = lastUsed?.Item2,
            CreatedAt = created,
            CreatedAtUs = createdUs,
            UpdatedAt = updated,
            UpdatedAtUs = updatedUs,
            DeprecatedAt = deprecated?.Item1,
            DeprecatedAtUs = deprecated?.Item2,
            Revision = f.Revision,
        };
    }

    public static FeatureDefinition ToDomain(this FeatureDocument d, IReadOnlyList<string>? downstream = null) => new()
    {
        FeatureName = d.FeatureName,
        CurrentVersion = d.CurrentVersion,
        FeatureType = Parse<FeatureType>(d.FeatureType),
        DataType = Parse<DataType>(d.DataType),
        Status = Parse<FeatureStatus>(d.Status),
        Description = d.Description,
        Owner = d.Owner,
        Tags = d.Tags,
        Entity = d.Entity,
        Transformation = d.Transformation?.ToDomain(),
        ValidationRules = [.. d.ValidationRules.Select(ToDomain)],
        UpstreamFeatures = d.UpstreamFeatures,
        DownstreamFeatures = downstream ?? [],
        DuckDbTable = d.DuckdbTable,
        DuckDbView = d.DuckdbView,
        ValidationPolicy = Parse<ValidationPolicy>(d.ValidationPolicy),
        UsageCount = d.UsageCount,
        LastUsedAt = Join(d.LastUsedAt, d.LastUsedAtUs),
        CreatedAt = Join(d.CreatedAt, d.CreatedAtUs),
        UpdatedAt = Join(d.UpdatedAt, d.UpdatedAtUs),
        DeprecatedAt = Join(d.DeprecatedAt, d.DeprecatedAtUs),
        Revision = d.Revision,
    };

    public static TransformationDocument ToDocument(this Transformation t) => new()
    {
        TransformationType = Wire(t.TransformationType),
        Code = t.Code,
        Parameters = ToBson(t.Parameters),
    };

    public static Transformation ToDomain(this TransformationDocument t) =>
        new(Parse<TransformationType>(t.TransformationType), t.Code, ToJsonMap(t.Parameters));

    public static ValidationRuleDocument ToDocument(this ValidationRule r) => new()
    {
        RuleType = Wire(r.RuleType),
        Parameters = ToBson(r.Parameters),
        IsBlocking = r.IsBlocking,
    };

    public static ValidationRule ToDomain(this ValidationRuleDocument r) => new(Parse<RuleType>(r.RuleType), ToJsonMap(r.Parameters), r.IsBlocking);

    public static RevisionDocument ToRevision(this FeatureDefinition f)
    {
        var (at, us) = Split(f.UpdatedAt);
        return new RevisionDocument { FeatureName = f.FeatureName, Revision = f.Revision, RecordedAt = at, RecordedAtUs = us, Document = f.ToDocument() };
    }

    public static VersionDocument ToDocument(this FeatureVersion v)
    {
        var parsed = SemVer.Parse(v.Version);
        var (created, createdUs) = Split(v.CreatedAt);
        var rolledBack = v.RolledBackAt is { } r ? Split(r) : ((DateTime, int)?)null;
        return new VersionDocument
        {
            FeatureName = v.FeatureName,
            VersionKey = SemVer.Key(parsed),
            Version = v.Version,
            Major = parsed.Major,
            Changelog = v.Changelog,
            BreakingChanges = v.BreakingChanges,
            TransformationSnapshot = v.TransformationSnapshot?.ToDocument(),
            ValidationSnapshot = [.. v.ValidationSnapshot.Select(ToDocument)],
            CreatedBy = v.CreatedBy,
            CreatedByKey = v.CreatedByKey,
            CreatedAt = created,
            CreatedAtUs = createdUs,
            IsRolledBack = v.IsRolledBack,
            RolledBackAt = rolledBack?.Item1,
            RolledBackAtUs = rolledBack?.Item2,
            RestoredFrom = v.RestoredFrom,
        };
    }

    public static FeatureVersion ToDomain(this VersionDocument d) => new()
    {
        FeatureName = d.FeatureName,
        Version = d.Version,
        Changelog = d.Changelog,
        BreakingChanges = d.BreakingChanges,
        TransformationSnapshot = d.TransformationSnapshot?.ToDomain(),
        ValidationSnapshot = [.. d.ValidationSnapshot.Select(ToDomain)],
        CreatedBy = d.CreatedBy,
        CreatedByKey = d.CreatedByKey,
        CreatedAt = Join(d.CreatedAt, d.CreatedAtUs),
        IsRolledBack = d.IsRolledBack,
        RolledBackAt = Join(d.RolledBackAt, d.RolledBackAtUs),
        RestoredFrom = d.RestoredFrom,
    };

    public static UsageDocument ToDocument(this FeatureUsage u, long id, DateTimeOffset recordedAt)
    {
        var (used, usedUs) = Split(u.UsageTimestamp);
        var (recorded, recordedUs) = Split(recordedAt);
        return new UsageDocument
        {
            Id = id,
            FeatureName = u.FeatureName,
            FeatureVersion = u.FeatureVersion,
            UsedByModel = u.UsedByModel,
            ModelVersion = u.ModelVersion,
            Environment = Wire(u.Environment),
            FeatureImportance = u.FeatureImportance,
            CorrelationWithTarget = u.CorrelationWithTarget,
            ExecutionId = u.ExecutionId,
            ExecutionDurationMs = u.ExecutionDurationMs,
            UsageTimestamp = used,
            UsageTimestampUs = usedUs,
            RecordedAt = recorded,
            RecordedAtUs = recordedUs,
            SnapshotId = u.SnapshotId,
        };
    }

    public static FeatureUsage ToDomain(this UsageDocument d) => new()
    {
        Id = d.Id,
        FeatureName = d.FeatureName,
        FeatureVersion = d.FeatureVersion,
        UsedByModel = d.UsedByModel,
        ModelVersion = d.ModelVersion,
        Environment = Parse<UsageEnvironment>(d.Environment),
        FeatureImportance = d.FeatureImportance,
        CorrelationWithTarget = d.CorrelationWithTarget,
        ExecutionId = d.ExecutionId,
        ExecutionDurationMs = d.ExecutionDurationMs,
        UsageTimestamp = Join(d.UsageTimestamp, d.UsageTimestampUs),
        RecordedAt = Join(d.RecordedAt, d.RecordedAtUs),
        SnapshotId = d.SnapshotId,
    };

    public static SnapshotUsageDocument ToDocument(this SnapshotUsage u, long id, DateTimeOffset recordedAt)
    {
        var (used, usedUs) = Split(u.UsageTimestamp);
        var (recorded, recordedUs) = Split(recordedAt);
        return new SnapshotUsageDocument
        {
            Id = id,
            SnapshotId = u.SnapshotId,
            UsedByModel = u.UsedByModel,
            ModelVersion = u.ModelVersion,
            Environment = Wire(u.Environment),
            ExecutionId = u.ExecutionId,
            UsageTimestamp = used,
            UsageTimestampUs = usedUs,
            RecordedAt = recorded,
            RecordedAtUs = recordedUs,
        };
    }

    public static SnapshotUsage ToDomain(this SnapshotUsageDocument d) => new()
    {
        Id = d.Id,
        SnapshotId = d.SnapshotId,
        UsedByModel = d.UsedByModel,
        ModelVersion = d.ModelVersion,
        Environment = Parse<UsageEnvironment>(d.Environment),
        ExecutionId = d.ExecutionId,
        UsageTimestamp = Join(d.UsageTimestamp, d.UsageTimestampUs),
        RecordedAt = Join(d.RecordedAt, d.RecordedAtUs),
    };

    public static FeatureSetDocument ToDocument(this FeatureSet s)
    {
        var (created, createdUs) = Split(s.CreatedAt);
        var (updated, updatedUs) = Split(s.UpdatedAt);
        return new FeatureSetDocument
        {
            Id = s.FeatureSetName,
            FeatureSetName = s.FeatureSetName,
            Description = s.Description,
            Owner = s.Owner,
            Tags = [.. s.Tags],
            CurrentVersion = s.CurrentVersion,
            CreatedAt = created,
            CreatedAtUs = createdUs,
            UpdatedAt = updated,
            UpdatedAtUs = updatedUs,
        };
    }

    public static FeatureSet ToDomain(this FeatureSetDocument d) => new()
    {
        FeatureSetName = d.FeatureSetName,
        Description = d.Description,
        Owner = d.Owner,
        Tags = d.Tags,
        CurrentVersion = d.CurrentVersion,
        CreatedAt = Join(d.CreatedAt, d.CreatedAtUs),
        UpdatedAt = Join(d.UpdatedAt, d.UpdatedAtUs),
    };

    public static FeatureSetVersionDocument ToDocument(this FeatureSetVersion v)
    {
        var (created, createdUs) = Split(v.CreatedAt);
        return new FeatureSetVersionDocument
        {
            FeatureSetName = v.FeatureSetName,
            VersionKey = SemVer.Key(SemVer.Parse(v.Version)),
            Version = v.Version,
            Changelog = v.Changelog,
            CreatedBy = v.CreatedBy,
            CreatedByKey = v.CreatedByKey,
            CreatedAt = created,
            CreatedAtUs = createdUs,
            Members = [.. v.Members.Select(m => new MemberDocument
            {
                FeatureName = m.FeatureName,
                FeatureVersion = m.FeatureVersion,
                FeatureVersionKey = SemVer.Key(SemVer.Parse(m.FeatureVersion)),
            })],
        };
    }

    public static FeatureSetVersion ToDomain(this FeatureSetVersionDocument d) => new()
    {
        FeatureSetName = d.FeatureSetName,
        Version = d.Version,
        Changelog = d.Changelog,
        CreatedBy = d.CreatedBy,
        CreatedByKey = d.CreatedByKey,
        CreatedAt = Join(d.CreatedAt, d.CreatedAtUs),
        Members = [.. d.Members.Select(m => new FeatureSetMember(m.FeatureName, m.FeatureVersion))],
    };

    public static SnapshotDocument ToDocument(this Snapshot s)
    {
        var (from, fromUs) = Split(s.From);
        var (to, toUs) = Split(s.To);
        var (created, createdUs) = Split(s.CreatedAt);
        return new SnapshotDocument
        {
            Id = s.Id,
            FeatureSetName = s.FeatureSetName,
            VersionKey = SemVer.Key(SemVer.Parse(s.FeatureSetVersion)),
            FeatureSetVersion = s.FeatureSetVersion,
            FromTs = from,
            FromTsUs = fromUs,
            ToTs = to,
            ToTsUs = toUs,
            Timeframe = s.Timeframe,
            EntityIds = s.EntityIds?.ToList(),
            RowCount = s.RowCount,
            Checksum = s.Checksum,
            CreatedBy = s.CreatedBy,
            CreatedByKey = s.CreatedByKey,
            CreatedAt = created,
            CreatedAtUs = createdUs,
            Files = [.. s.Files.Select(f => new SnapshotFileDocument { Path = f.Path, RowCount = f.Rows, Bytes = f.Bytes, Sha256 = f.Sha256 })],
            Features = [.. s.Features.Select(f => new SnapshotFeatureDocument
            {
                FeatureName = f.FeatureName,
                FeatureVersion = f.FeatureVersion,
                ContractMajor = f.ContractMajor,
                DataType = Wire(f.DataType),
                ValueCount = f.Statistics.Count,
                Mean = f.Statistics.Mean,
                Std = f.Statistics.Std,
                Min = f.Statistics.Min,
                Max = f.Statistics.Max,
            })],
        };
    }

    public static Snapshot ToDomain(this SnapshotDocument d) => new()
    {
        Id = d.Id,
        FeatureSetName = d.FeatureSetName,
        FeatureSetVersion = d.FeatureSetVersion,
        From = Join(d.FromTs, d.FromTsUs),
        To = Join(d.ToTs, d.ToTsUs),
        Timeframe = d.Timeframe,
        EntityIds = d.EntityIds,
        RowCount = d.RowCount,
        Checksum = d.Checksum,
        CreatedBy = d.CreatedBy,
        CreatedByKey = d.CreatedByKey,
        CreatedAt = Join(d.CreatedAt, d.CreatedAtUs),
        Files = [.. d.Files.Select(f => new SnapshotFile(f.Path, f.RowCount, f.Bytes, f.Sha256))],
        Features = [.. d.Features.Select(f => new SnapshotFeature(f.FeatureName, f.FeatureVersion, f.ContractMajor, Parse<DataType>(f.DataType),
            new FeatureNormalization(f.FeatureName, f.FeatureVersion, f.ValueCount, f.Mean, f.Std, f.Min, f.Max)))],
    };

    public static SnapshotSummary ToSummary(this SnapshotDocument d) => new(
        d.Id, d.FeatureSetName, d.FeatureSetVersion, Join(d.FromTs, d.FromTsUs), Join(d.ToTs, d.ToTsUs), d.Timeframe, d.EntityIds,
        d.RowCount, d.Files.Count, d.Files.Sum(f => f.Bytes), d.Checksum, d.CreatedBy, d.CreatedByKey, Join(d.CreatedAt, d.CreatedAtUs));

    public static ApiKeyDocument ToDocument(this ApiKey k)
    {
        var (created, createdUs) = Split(k.CreatedAt);
        var revoked = k.RevokedAt is { } r ? Split(r) : ((DateTime, int)?)null;
        return new ApiKeyDocument
        {
            Id = k.KeyId,
            Name = k.Name,
            Scopes = [.. k.Scopes.Select(s => Wire(s))],
            SecretHash = k.SecretHash,
            CreatedBy = k.CreatedBy,
            CreatedAt = created,
            CreatedAtUs = createdUs,
            RevokedAt = revoked?.Item1,
            RevokedAtUs = revoked?.Item2,
            RevokedBy = k.RevokedBy,
            Revision = k.Revision,
        };
    }

    public static ApiKey ToDomain(this ApiKeyDocument d) => new()
    {
        KeyId = d.Id,
        Name = d.Name,
        Scopes = [.. d.Scopes.Select(Parse<ApiKeyScope>).Order()],
        SecretHash = d.SecretHash,
        CreatedBy = d.CreatedBy,
        CreatedAt = Join(d.CreatedAt, d.CreatedAtUs),
        RevokedAt = Join(d.RevokedAt, d.RevokedAtUs),
        RevokedBy = d.RevokedBy,
        Revision = d.Revision,
    };
}
