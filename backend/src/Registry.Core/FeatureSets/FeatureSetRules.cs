using Registry.Core.Common;
using Registry.Core.Features;

namespace Registry.Core.FeatureSets;

/// <summary>The refusals shared by the service (before the write) and the store (inside it, under a lock on the member features).</summary>
public static class FeatureSetRules
{
    /// <summary>Names are unique and stay taken: a set changes through new versions, never by being re-created.</summary>
    public static ConflictException Duplicate(string featureSetName) =>
        new("The feature set already exists.", $"A feature set named '{featureSetName}' already exists; publish a new version of it instead.");

    public static bool IsUsable(FeatureStatus status) => status is not (FeatureStatus.Deprecated or FeatureStatus.Archived);

    /// <summary>
    /// A version cannot be published with a deprecated or archived member: a new training set or model would be built on a
    /// feature that is on its way out. The detail names each member and its status.
    /// </summary>
    public static void ThrowIfUnusable(string featureSetName, IEnumerable<(string FeatureName, FeatureStatus Status, DateTimeOffset? DeprecatedAt)> members)
    {
        var unusable = members.Where(m => !IsUsable(m.Status)).OrderBy(m => m.FeatureName, StringComparer.Ordinal).ToList();
        if (unusable.Count == 0) return;
        var reasons = unusable.Select(m => m.Status == FeatureStatus.Deprecated && m.DeprecatedAt is { } since
            ? $"'{m.FeatureName}' is deprecated since {since.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}"
            : $"'{m.FeatureName}' is {FeatureService.Wire(m.Status)}");
        throw new RuleViolationException("Deprecated or archived members.",
            $"Cannot publish a version of feature set '{featureSetName}': {string.Join("; ", reasons)}. " +
            "Replace these members, or re-activate the deprecated ones first.")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["unusable_members"] = unusable.Select(m => new Dictionary<string, object?>
                {
                    ["feature_name"] = m.FeatureName,
                    ["status"] = FeatureService.Wire(m.Status),
                    ["deprecated_at"] = m.DeprecatedAt,
                }).ToList(),
            },
        };
    }
}
