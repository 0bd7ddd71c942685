using System.Collections.Concurrent;

namespace Registry.Core.Values;

/// <summary>
/// The online path's memory of which version and contract is current for a feature. Resolving it takes two
/// PostgreSQL round trips, several times the DuckDB lookup itself; remembered for <see cref="Lifetime"/> it costs
/// none. Versions published through this process forget it at once; one published through another replica is seen
/// within <see cref="Lifetime"/>.
/// </summary>
public sealed class ContractCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (ValueScope Scope, DateTimeOffset Until)> _current = new(StringComparer.Ordinal);

    public bool TryGet(string featureName, out ValueScope scope)
    {
        scope = null!;
        if (!_current.TryGetValue(featureName, out var entry) || entry.Until <= clock.GetUtcNow()) return false;
        scope = entry.Scope;
        return true;
    }

    public void Remember(ValueScope scope) => _current[scope.FeatureName] = (scope, clock.GetUtcNow() + Lifetime);

    public void Forget(string featureName) => _current.TryRemove(featureName, out _);
}
