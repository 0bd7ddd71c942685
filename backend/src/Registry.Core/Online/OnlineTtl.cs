namespace Registry.Core.Online;

/// <summary>
/// How long a latest value stays servable online, by its event time (like a Feast feature view's TTL): a value whose
/// event is older than the TTL is answered as missing. Per feature, per feature set (read side only) or one default;
/// none configured means forever. Applied to every online answer while the online store is on, whichever process
/// answers, so the owner's in-process answer and a replica's answer from Redis stay the same; Redis also expires the
/// key at that instant, which only frees memory.
/// </summary>
public sealed class OnlineTtl
{
    public static readonly OnlineTtl None = new(null, new Dictionary<string, TimeSpan>(), new Dictionary<string, TimeSpan>());

    private readonly TimeSpan? _default;
    private readonly IReadOnlyDictionary<string, TimeSpan> _features;
    private readonly IReadOnlyDictionary<string, TimeSpan> _sets;

    public OnlineTtl(TimeSpan? defaultTtl, IReadOnlyDictionary<string, TimeSpan> features, IReadOnlyDictionary<string, TimeSpan> featureSets)
    {
        _default = defaultTtl;
        _features = features;
        _sets = featureSets;
    }

    public bool IsEmpty => _default is null && _features.Count == 0 && _sets.Count == 0;

    /// <summary>The feature's own TTL, or the default.</summary>
    public TimeSpan? For(string featureName) => _features.TryGetValue(featureName, out var t) ? t : _default;

    /// <summary>Within a feature set, the shorter of the set's TTL and the member's.</summary>
    public TimeSpan? For(string featureName, string featureSetName)
    {
        var own = For(featureName);
        if (!_sets.TryGetValue(featureSetName, out var set)) return own;
        return own is { } o && o < set ? o : set;
    }

    /// <summary>Whether a value of <paramref name="eventTs"/> is still servable at <paramref name="now"/> under <paramref name="ttl"/>.</summary>
    public static bool Live(DateTimeOffset eventTs, TimeSpan? ttl, DateTimeOffset now) => ttl is not { } t || eventTs + t > now;
}
