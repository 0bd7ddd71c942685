namespace Registry.Core.Features;

/// <summary>
/// The registry's persistence, in registry terms rather than a generic repository, so the
/// PostgreSQL implementation can use what it is good at (recursive CTEs, GIN indexes, one transaction).
/// </summary>
public interface IFeatureStore
{
    /// <summary>
    /// Inserts the definition with its first version, in one transaction; a duplicate name in any status
    /// raises <see cref="Common.ConflictException"/>.
    /// </summary>
    Task<FeatureDefinition> CreateAsync(FeatureDefinition feature, Versions.FeatureVersion initialVersion, CancellationToken ct);

    Task<FeatureDefinition?> GetAsync(string featureName, CancellationToken ct);

    /// <summary>
    /// The current definition for answering a read: it may come from memory, kept exact by change notifications (ADR 0016),
    /// and may lag a change committed by another process by the time a notification takes. Never for read-modify-write:
    /// a write reads with <see cref="GetAsync"/>.
    /// </summary>
    Task<FeatureDefinition?> GetForReadAsync(string featureName, CancellationToken ct);

    /// <summary>The definition as recorded by the last change at or before <paramref name="asOf"/>; null before it existed.</summary>
    Task<FeatureDefinition?> GetAsOfAsync(string featureName, DateTimeOffset asOf, CancellationToken ct);

    Task<FeaturePage> ListAsync(FeatureListQuery query, CancellationToken ct);

    /// <summary>
    /// Replaces the definition if its revision is still <paramref name="expectedRevision"/>;
    /// returns null when another writer got there first (the caller decides: retry or 412).
    /// </summary>
    Task<FeatureDefinition?> UpdateAsync(FeatureDefinition feature, int expectedRevision, CancellationToken ct);

    /// <summary>Status of each of the given names that exists.</summary>
    Task<IReadOnlyDictionary<string, FeatureStatus>> GetStatusesAsync(IReadOnlyCollection<string> featureNames, CancellationToken ct);

    /// <summary>Features that list <paramref name="featureName"/> among their upstream features.</summary>
    Task<IReadOnlyList<FeatureSummary>> GetDirectDownstreamAsync(string featureName, CancellationToken ct);
}

public sealed record FeatureSummary(string FeatureName, FeatureStatus Status, string Owner, string CurrentVersion);
