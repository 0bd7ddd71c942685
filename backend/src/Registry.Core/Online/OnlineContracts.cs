using Registry.Core.Snapshots;
using Registry.Core.Values;

namespace Registry.Core.Online;

/// <summary>A member of a feature set version as online serving needs it: the pinned version and the contract it follows.</summary>
public sealed record OnlineMember(string FeatureName, string FeatureVersion, int ContractMajor);

/// <summary>A member whose feature has since moved to another contract major: serving it would feed the model another contract.</summary>
public sealed record ChangedMember(string FeatureName, string PinnedVersion, int PinnedContractMajor, string CurrentVersion, int CurrentContractMajor);

/// <summary>
/// One member's value in a vector: raw as stored, and transformed when a snapshot's statistics were applied. A struct,
/// made when it is read (<see cref="ServedValues"/>): a 100 × 50 answer would otherwise allocate 5,000 of them.
/// </summary>
public readonly record struct OnlineValue(object? Value, object? RawValue, DateTimeOffset EventTs, double AgeSeconds);

/// <summary>
/// A vector's values as served: each made from the stored latest value when read, with its age at <paramref name="now"/>
/// and, where the member has statistics, its z-score (<see cref="OnlineService.Normalize"/>).
/// </summary>
internal sealed class ServedValues(LatestValue?[] latest, DateTimeOffset now, MemberScaler?[]? scalers) : IReadOnlyList<OnlineValue?>
{
    public int Count => latest.Length;

    public OnlineValue? this[int index]
    {
        get
        {
            if (latest[index] is not { } v) return null;
            var value = scalers?[index] is { } scaler ? OnlineService.Normalize(v.Value, scaler) : v.Value;
            return new OnlineValue(value, v.Value, v.EventTs, Math.Max(0, (now - v.EventTs).TotalSeconds));
        }
    }

    public IEnumerator<OnlineValue?> GetEnumerator()
    {
        for (var i = 0; i < latest.Length; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>The latest values of every member for one entity, in member order (null where the entity has no value).</summary>
public sealed record OnlineVector(string EntityId, IReadOnlyList<OnlineValue?> Values);

/// <summary>Vectors for the requested entities, with the members (columns) they follow and the snapshot used to normalize, if any.</summary>
public sealed record OnlineVectors(
    string FeatureSetName,
    string FeatureSetVersion,
    IReadOnlyList<OnlineMember> Members,
    Guid? NormalizedWith,
    DateTimeOffset ServedAt,
    IReadOnlyList<OnlineVector> Vectors);

/// <summary>A member's z-score statistics from a snapshot (population standard deviation, as StandardScaler).</summary>
public sealed record MemberScaler(string FeatureName, double Mean, double Std);

/// <summary>The members of a set version, resolved once: versions are immutable, so this never changes.</summary>
internal sealed record OnlinePlan(string FeatureSetName, string FeatureSetVersion, IReadOnlyList<OnlineMember> Members);

/// <summary>
/// Bounded memory of resolved set versions and of snapshots' statistics: both immutable, so no expiry is needed; the
/// bound keeps it finite.
/// </summary>
public sealed class OnlinePlanCache
{
    private const int Capacity = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, OnlinePlan> _plans = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, SnapshotNormalization> _normalizations = new();

    internal bool TryGet(string key, out OnlinePlan plan) => _plans.TryGetValue(key, out plan!);

    internal void Remember(string key, OnlinePlan plan) => Add(_plans, key, plan);

    internal bool TryGetNormalization(Guid snapshot, out SnapshotNormalization normalization) =>
        _normalizations.TryGetValue(snapshot, out normalization!);

    internal void RememberNormalization(SnapshotNormalization normalization) => Add(_normalizations, normalization.SnapshotId, normalization);

    private static void Add<TKey, TValue>(System.Collections.Concurrent.ConcurrentDictionary<TKey, TValue> cache, TKey key, TValue value)
        where TKey : notnull
    {
        if (cache.Count >= Capacity) cache.Clear();
        cache[key] = value;
    }
}

internal static class OnlineMemberExtensions
{
    public static UpstreamInput Input(this OnlineMember m, ValueScope current) => new(m.FeatureName, current.Table, m.ContractMajor);
}
