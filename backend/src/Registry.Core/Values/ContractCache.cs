using System.Collections.Concurrent;
using Registry.Core.Features;

namespace Registry.Core.Values;

/// <summary>
/// The online path's memory of which version and contract is current for a feature. Resolving it takes two
/// PostgreSQL round trips, several times the DuckDB lookup itself. While the <see cref="IFeatureChangeSignal"/> is live
/// (ADR 0016), an entry is kept until its feature changes, wherever it changed: publishing or rolling back a version
/// updates the feature's row, which is signalled. Without a live signal an entry lasts <see cref="Lifetime"/>, and a
/// version published through another replica is seen within it.
/// </summary>
public sealed class ContractCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (ValueScope Scope, DateTimeOffset Until)> _current = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly IFeatureChangeSignal? _signal;

    public ContractCache(TimeProvider clock, IFeatureChangeSignal? signal = null)
    {
        _clock = clock;
        _signal = signal;
        if (signal is not null)
            signal.Changed += name =>
            {
                if (name is null) _current.Clear();
                else _current.TryRemove(name, out _);
            };
    }

    /// <summary>Read before resolving a scope, and pass to <see cref="Remember"/>.</summary>
    public long Generation => _signal?.Generation ?? 0;

    public bool TryGet(string featureName, out ValueScope scope)
    {
        scope = null!;
        if (!_current.TryGetValue(featureName, out var entry)) return false;
        if (_signal?.IsLive != true && entry.Until <= _clock.GetUtcNow()) return false;
        scope = entry.Scope;
        return true;
    }

    /// <summary>
    /// Keeps <paramref name="scope"/>, resolved after <paramref name="generation"/> was read, unless a change was signalled
    /// meanwhile: that change may be newer than what was read.
    /// </summary>
    public void Remember(ValueScope scope, long generation)
    {
        if (Generation != generation) return;
        var entry = (scope, _clock.GetUtcNow() + Lifetime);
        _current[scope.FeatureName] = entry;
        if (Generation != generation) _current.TryRemove(new KeyValuePair<string, (ValueScope, DateTimeOffset)>(scope.FeatureName, entry));
    }

    public void Forget(string featureName) => _current.TryRemove(featureName, out _);
}
