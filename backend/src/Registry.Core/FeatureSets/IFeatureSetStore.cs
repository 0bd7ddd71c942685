namespace Registry.Core.FeatureSets;

/// <summary>Feature sets and their immutable versions, in registry terms.</summary>
public interface IFeatureSetStore
{
    /// <summary>
    /// Inserts the set and its first version in one transaction. A duplicate name raises a <see cref="Common.ConflictException"/>;
    /// a member that became deprecated or archived since the service checked it raises the same
    /// <see cref="Common.RuleViolationException"/> as the service (<see cref="FeatureSetRules.ThrowIfUnusable"/>, checked under a lock).
    /// </summary>
    Task<FeatureSetDetails> CreateAsync(FeatureSet featureSet, FeatureSetVersion firstVersion, CancellationToken ct);

    /// <summary>
    /// In one transaction: records <paramref name="version"/> and makes it current, if the set's current version is still
    /// <paramref name="expectedCurrentVersion"/> (null otherwise: another version was published meanwhile). A duplicate
    /// version raises a <see cref="Common.ConflictException"/>; members are re-checked under a lock as for <see cref="CreateAsync"/>.
    /// </summary>
    Task<FeatureSetVersion?> PublishAsync(FeatureSetVersion version, string expectedCurrentVersion, CancellationToken ct);

    Task<FeatureSet?> GetAsync(string featureSetName, CancellationToken ct);

    /// <summary>The set with its current version, or null.</summary>
    Task<FeatureSetDetails?> GetDetailsAsync(string featureSetName, CancellationToken ct);

    /// <summary>Ordered by name, each with its current version.</summary>
    Task<FeatureSetPage> ListAsync(FeatureSetListQuery query, CancellationToken ct);

    /// <summary>Every version of the set, in no particular order.</summary>
    Task<IReadOnlyList<FeatureSetVersion>> ListVersionsAsync(string featureSetName, CancellationToken ct);

    /// <summary>The version with this precedence key (build metadata ignored), or null.</summary>
    Task<FeatureSetVersion?> GetVersionAsync(string featureSetName, string versionKey, CancellationToken ct);

    /// <summary>For each reference, in any order: whether the feature exists, its status and current version, and the requested version as published.</summary>
    Task<IReadOnlyList<MemberLookup>> LookupMembersAsync(IReadOnlyCollection<MemberRef> members, CancellationToken ct);
}
