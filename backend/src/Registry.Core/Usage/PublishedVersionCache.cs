using System.Collections.Concurrent;

namespace Registry.Core.Usage;

/// <summary>
/// The feature versions a usage record may name, as the store answered them: positive answers only, because through
/// the API they never turn false (a published version is never removed, a feature is archived, not deleted). It saves
/// each usage request its own round trip to the registry (ADR 0041); a feature removed by hand is still caught, by the
/// group's lock of its row (ADR 0040). Bounded: beyond <c>maxEntries</c> answers are used, not kept.
/// </summary>
public sealed class PublishedVersionCache(int maxEntries = 100_000)
{
    private readonly ConcurrentDictionary<VersionRef, string> _published = new();

    public int Count => _published.Count;

    /// <summary>The version as published for <paramref name="version"/>, when it is known to exist.</summary>
    public bool TryGet(VersionRef version, out string published) => _published.TryGetValue(version, out published!);

    public void Add(VersionRef version, string published)
    {
        if (_published.Count < maxEntries) _published.TryAdd(version, published);
    }
}
