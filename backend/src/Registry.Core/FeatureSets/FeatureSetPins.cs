using Registry.Core.Features;
using Registry.Core.Training;
using Registry.Core.Values;
using Registry.Core.Versions;

namespace Registry.Core.FeatureSets;

/// <summary>A set version's members resolved to what reads need: pinned version, contract major and value table.</summary>
internal static class FeatureSetPins
{
    public static async Task<IReadOnlyList<PinnedFeature>> PinAsync(this FeatureSetVersion set, IFeatureStore features, IVersionStore versions,
        CancellationToken ct)
    {
        var pinned = new List<PinnedFeature>(set.Members.Count);
        foreach (var member in set.Members)
        {
            // Members reference feature versions by foreign key, so both exist; a miss is a broken database.
            var feature = await features.GetAsync(member.FeatureName, ct)
                ?? throw new InvalidOperationException($"Member '{member.FeatureName}' of feature set '{set.FeatureSetName}' is not a feature.");
            var all = await versions.ListAsync(member.FeatureName, ct);
            var found = SemVer.Find(all, member.FeatureVersion)
                ?? throw new InvalidOperationException($"Member '{member.FeatureName}@{member.FeatureVersion}' of feature set '{set.FeatureSetName}' is not a published version.");
            pinned.Add(new PinnedFeature(member.FeatureName, found.Version, ValueService.ContractMajor(found, all), ValueTable.For(feature), null));
        }
        return pinned;
    }
}
