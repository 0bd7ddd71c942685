using Registry.Core.Features;

namespace Registry.Core.Versions;

public interface IVersionStore
{
    Task<IReadOnlyList<FeatureVersion>> ListAsync(string featureName, CancellationToken ct);

    /// <summary>The version with this precedence key (build metadata ignored), or null.</summary>
    Task<FeatureVersion?> GetAsync(string featureName, string versionKey, CancellationToken ct);

    /// <summary>
    /// In one transaction: writes the definition if its revision is still <paramref name="expectedRevision"/>
    /// (null otherwise), records <paramref name="version"/> (a duplicate raises a ConflictException) and, for a
    /// rollback, marks <paramref name="rolledBack"/> as rolled back.
    /// </summary>
    Task<FeatureDefinition?> PublishAsync(FeatureDefinition feature, int expectedRevision, FeatureVersion version,
        string? rolledBack, CancellationToken ct);
}
