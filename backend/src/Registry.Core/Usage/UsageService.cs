using NuGet.Versioning;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Versions;

namespace Registry.Core.Usage;

/// <summary>
/// Which model used which feature version: records are checked against the registry (the feature and the exact
/// version must exist) so that impact analysis never points at something that was not there. Records are written through
/// <paramref name="groupCommit"/> when there is one (the API's, ADR 0040), else each request is a group of its own.
/// </summary>
public sealed class UsageService(IUsageStore store, IFeatureStore features, TimeProvider clock, UsageGroupCommit? groupCommit = null,
    PublishedVersionCache? knownVersions = null)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
    public const int MaxBatch = 1000;

    /// <summary>Pipelines' clocks drift; a timestamp this far ahead of the server's is still accepted.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The latest usage_timestamp accepted now.</summary>
    public static DateTimeOffset Latest(TimeProvider clock) => clock.Now() + ClockSkew;

    /// <summary>Expects a request that passed <see cref="RecordUsageValidator"/>.</summary>
    public async Task<FeatureUsage> RecordAsync(RecordUsageRequest request, CancellationToken ct)
    {
        return (await RecordAllAsync([request], clock.Now(), ct))[0];
    }

    /// <summary>
    /// All or nothing: one unknown feature or version rejects the whole batch, naming every culprit.
    /// Expects a request that passed <see cref="RecordUsageBatchValidator"/>.
    /// </summary>
    public async Task<IReadOnlyList<FeatureUsage>> RecordBatchAsync(RecordUsageBatchRequest request, CancellationToken ct)
    {
        return await RecordAllAsync(request.Records!, clock.Now(), ct);
    }

    public async Task<UsagePage> ListAsync(string featureName, int skip, int limit, CancellationToken ct)
    {
        FeatureService.CheckName(featureName);
        if (Paging.Errors(skip, limit, MaxLimit) is { Count: > 0 } errors) throw new InvalidInputException(errors);
        await ThrowIfUnknownAsync(featureName, ct);
        return await store.ListAsync(featureName, skip, limit, ct);
    }

    public async Task<UsageStatistics> GetStatisticsAsync(string featureName, CancellationToken ct)
    {
        FeatureService.CheckName(featureName);
        await ThrowIfUnknownAsync(featureName, ct);
        var statistics = await store.GetStatisticsAsync(featureName, ct);
        // Newest version first by SemVer precedence, as versions are listed; text order would put 1.10.0 before 1.9.0.
        return statistics with
        {
            ByVersion = statistics.ByVersion
                .OrderByDescending(v => SemVer.Parse(v.FeatureVersion), VersionComparer.Default)
                .ToList(),
        };
    }

    private async Task<IReadOnlyList<FeatureUsage>> RecordAllAsync(IReadOnlyList<RecordUsageRequest> requests, DateTimeOffset now, CancellationToken ct)
    {
        var refs = requests.Select(r => new VersionRef(r.FeatureName!, SemVer.Key(SemVer.Parse(r.FeatureVersion!)))).ToList();
        var found = await FindVersionsAsync(refs, ct);

        var unknownFeatures = found.Where(f => !f.FeatureExists).Select(f => f.FeatureName).Distinct().Order(StringComparer.Ordinal).ToList();
        if (unknownFeatures.Count > 0)
            throw new NotFoundException(unknownFeatures.Count == 1
                ? $"Feature '{unknownFeatures[0]}' does not exist."
                : $"These features do not exist: {string.Join(", ", unknownFeatures)}.")
            {
                Extensions = new Dictionary<string, object?> { ["unknown_features"] = unknownFeatures },
            };

        // Reported as the client wrote them, so each one can be found in the request.
        var missing = found.Where(f => f.PublishedVersion is null).Select(f => new VersionRef(f.FeatureName, f.VersionKey)).ToHashSet();
        var unknownVersions = requests
            .Where((r, i) => missing.Contains(refs[i]))
            .Select(r => $"{r.FeatureName}@{r.FeatureVersion}")
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        if (unknownVersions.Count > 0)
            throw new RuleViolationException("Unknown feature versions.",
                $"These feature versions were never published: {string.Join(", ", unknownVersions)}. Record the version the model actually used.")
            {
                Extensions = new Dictionary<string, object?> { ["unknown_versions"] = unknownVersions },
            };

        var published = found.ToDictionary(f => new VersionRef(f.FeatureName, f.VersionKey), f => f.PublishedVersion!);
        var records = requests.Select((r, i) => new FeatureUsage
        {
            FeatureName = r.FeatureName!,
            FeatureVersion = published[refs[i]],
            UsedByModel = r.UsedByModel!,
            ModelVersion = r.ModelVersion,
            Environment = r.Environment!.Value,
            FeatureImportance = r.FeatureImportance,
            CorrelationWithTarget = r.CorrelationWithTarget,
            ExecutionId = r.ExecutionId,
            ExecutionDurationMs = r.ExecutionDurationMs,
            UsageTimestamp = r.UsageTimestamp?.ToMicroseconds() ?? now,
        }).ToList();
        if (groupCommit is not null) return await groupCommit.RecordAsync(records, ct);
        var result = (await store.RecordGroupAsync([records], ct))[0];
        return result.Stored ?? throw UsageGroupCommit.Vanished(result.MissingFeatures);
    }

    /// <summary>The store's answer for each distinct reference, asking it only for those not known to be published.</summary>
    private async Task<IReadOnlyList<VersionLookup>> FindVersionsAsync(List<VersionRef> refs, CancellationToken ct)
    {
        var distinct = refs.Distinct().ToList();
        if (knownVersions is null) return await store.FindVersionsAsync(distinct, ct);
        var found = new List<VersionLookup>(distinct.Count);
        var unknown = new List<VersionRef>();
        foreach (var version in distinct)
        {
            if (knownVersions.TryGet(version, out var published)) found.Add(new(version.FeatureName, version.VersionKey, true, published));
            else unknown.Add(version);
        }
        if (unknown.Count == 0) return found;
        foreach (var lookup in await store.FindVersionsAsync(unknown, ct))
        {
            if (lookup.PublishedVersion is { } published) knownVersions.Add(new(lookup.FeatureName, lookup.VersionKey), published);
            found.Add(lookup);
        }
        return found;
    }

    private async Task ThrowIfUnknownAsync(string featureName, CancellationToken ct)
    {
        if ((await features.GetStatusesAsync([featureName], ct)).Count == 0) throw FeatureService.NotFound(featureName);
    }
}
