using Registry.Core.Common;

namespace Registry.Core.Features;

/// <summary>
/// Read, apply the rules, write only if nobody else wrote meanwhile (the revision). With If-Match a lost
/// race is a 412; without it the change is retried on fresh data, so concurrent writers never overwrite
/// each other unseen.
/// </summary>
internal static class OptimisticWrite
{
    // Every round lets at least one writer through; the bound matters only under pathological contention.
    private const int MaxAttempts = 25;

    // attempt: applies the change to the current definition and writes it; null when the write lost the race.
    public static async Task<T> RunAsync<T>(IFeatureStore store, string featureName, int? ifMatch,
        Func<FeatureDefinition, Task<T?>> attempt, CancellationToken ct) where T : class
    {
        for (var round = 1; ; round++)
        {
            var current = await store.GetAsync(featureName, ct) ?? throw new NotFoundException($"Feature '{featureName}' does not exist.");
            if (ifMatch is { } expected && expected != current.Revision)
                throw new PreconditionFailedException($"'{featureName}' is at revision {current.Revision}, not {expected}; fetch it again and retry.");
            if (await attempt(current) is { } result) return result;
            if (ifMatch is not null)
                throw new PreconditionFailedException($"'{featureName}' was changed by another request; fetch it again and retry.");
            if (round == MaxAttempts)
                throw new ConflictException("Too many concurrent changes.", $"'{featureName}' kept changing under this request; retry it.");
            // Jitter spreads the losers out so they do not collide again in lockstep.
            await Task.Delay(Random.Shared.Next(1, 5 * round), ct);
        }
    }
}
