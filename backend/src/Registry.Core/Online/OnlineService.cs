using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.FeatureSets;
using Registry.Core.Snapshots;
using Registry.Core.Values;
using Registry.Core.Versions;

namespace Registry.Core.Online;

/// <summary>
/// Online feature vectors: for a feature set version, the latest value of each member per entity, in the contract the
/// members were pinned to. A member whose feature has since moved to another contract major is refused (409), so a model
/// is never fed values of a contract it was not trained on.
/// </summary>
public sealed class OnlineService(
    FeatureSetService featureSets,
    IFeatureStore features,
    IVersionStore versions,
    ValueService values,
    IValueStore store,
    SnapshotService snapshots,
    OnlinePlanCache plans,
    OnlineTtl ttl,
    TimeProvider clock)
{
    public const int MaxEntities = 1000;

    /// <summary>
    /// The vectors of the entities; with <paramref name="normalizeWith"/>, a snapshot of this set version whose statistics
    /// turn numeric values into z-scores, as at training.
    /// </summary>
    public async Task<OnlineVectors> GetVectorsAsync(string featureSetName, string version, IReadOnlyList<string> entityIds,
        string? normalizeWith, CancellationToken ct)
    {
        CheckEntities(entityIds);
        Guid? normalizedWith = normalizeWith is null ? null : SnapshotService.ParseId(normalizeWith, "normalize_with");
        var plan = await PlanAsync(featureSetName, version, ct);
        var scalers = normalizedWith is { } id ? await ScalersAsync(plan, id, ct) : null;

        var inputs = new UpstreamInput[plan.Members.Count];
        List<ChangedMember>? changed = null;
        for (var i = 0; i < inputs.Length; i++)
        {
            var member = plan.Members[i];
            var current = await values.CurrentScopeAsync(member.FeatureName, ct);
            if (current.ContractMajor != member.ContractMajor)
                (changed ??= []).Add(new ChangedMember(member.FeatureName, member.FeatureVersion, member.ContractMajor, current.FeatureVersion, current.ContractMajor));
            inputs[i] = member.Input(current);
        }
        if (changed is not null)
            throw new ConflictException("Members changed contract.",
                $"{string.Join(", ", changed.Select(c => $"{c.FeatureName} ({c.PinnedVersion} → {c.CurrentVersion})"))} had a breaking change since " +
                $"{plan.FeatureSetName} {plan.FeatureSetVersion} was published; publish a new version of the set (and retrain) to serve them.")
            {
                Extensions = new Dictionary<string, object?> { ["changed_members"] = changed },
            };

        // Most calls ask for one entity: no set to build for it.
        IReadOnlyList<string> distinct = entityIds.Count == 1 ? entityIds : entityIds.Distinct(StringComparer.Ordinal).ToList();
        var latest = await store.LatestVectorsAsync(inputs, distinct, ct);
        var now = clock.Now();
        var byName = scalers?.ToDictionary(s => s.FeatureName, StringComparer.Ordinal);
        var memberScalers = byName is null ? null : plan.Members.Select(m => byName.GetValueOrDefault(m.FeatureName)).ToArray();
        // Online-store TTLs (empty unless the online store is on): the same cut whichever process answers.
        var ttls = ttl.IsEmpty ? null : plan.Members.Select(m => ttl.For(m.FeatureName, plan.FeatureSetName)).ToArray();
        var vectors = new List<OnlineVector>(distinct.Count);
        for (var e = 0; e < distinct.Count; e++)
        {
            var row = latest[e]; // this request's own array
            if (ttls is not null)
                for (var i = 0; i < row.Length; i++)
                    if (row[i] is { } v && !OnlineTtl.Live(v.EventTs, ttls[i], now)) row[i] = null;
            vectors.Add(new OnlineVector(distinct[e], new ServedValues(row, now, memberScalers)));
        }
        return new OnlineVectors(plan.FeatureSetName, plan.FeatureSetVersion, plan.Members, normalizedWith, now, vectors);
    }

    /// <summary>
    /// A z-score as scikit-learn's StandardScaler computes it: (x − mean) / std, with a standard deviation of 0 taken as 1
    /// (a constant feature is centred, not divided by zero).
    /// </summary>
    public static object? Normalize(object? value, MemberScaler scaler)
    {
        double? x = value switch
        {
            double d => d,
            long l => l,
            int i => i,
            _ => null,
        };
        if (x is null) return value;
        var scale = scaler.Std is > 0 and var s && !double.IsNaN(s) ? s : 1.0;
        return (x.Value - scaler.Mean) / scale;
    }

    /// <summary>The snapshot's statistics for each numeric member; a snapshot of another set version is refused (422).</summary>
    private async Task<IReadOnlyList<MemberScaler>> ScalersAsync(OnlinePlan plan, Guid id, CancellationToken ct)
    {
        if (!plans.TryGetNormalization(id, out var normalization))
        {
            normalization = await snapshots.GetNormalizationAsync(id, ct);
            plans.RememberNormalization(normalization); // a snapshot never changes
        }
        if (normalization.FeatureSetName != plan.FeatureSetName || normalization.FeatureSetVersion != plan.FeatureSetVersion)
            throw new RuleViolationException("The snapshot is of another feature set version.",
                $"Snapshot {id} was taken of {normalization.FeatureSetName} {normalization.FeatureSetVersion}, not {plan.FeatureSetName} " +
                $"{plan.FeatureSetVersion}: its statistics do not describe these members.");
        return normalization.Features
            .Where(f => f.Mean is not null)
            .Select(f => new MemberScaler(f.FeatureName, f.Mean!.Value, f.Std ?? 0))
            .ToList();
    }

    private async Task<OnlinePlan> PlanAsync(string featureSetName, string version, CancellationToken ct)
    {
        if (!Identifiers.IsFeatureName(featureSetName))
            throw InvalidInputException.For("name", $"'{featureSetName}' is not a feature set name ({Identifiers.FeatureNameRule}).");
        if (!SemVer.TryParse(version, out var parsed))
            throw InvalidInputException.For("version", $"'{version}' is not a semantic version such as 1.0.0.");
        var key = $"{featureSetName}@{parsed.ToNormalizedString()}";
        if (plans.TryGet(key, out var plan)) return plan;

        var setVersion = await featureSets.GetVersionAsync(featureSetName, version, ct);
        var members = (await setVersion.PinAsync(features, versions, ct))
            .Select(p => new OnlineMember(p.FeatureName, p.FeatureVersion, p.ContractMajor))
            .ToList();
        plan = new OnlinePlan(setVersion.FeatureSetName, setVersion.Version, members);
        plans.Remember(key, plan);
        return plan;
    }

    private static void CheckEntities(IReadOnlyList<string> entityIds)
    {
        if (entityIds.Count is 0 or > MaxEntities)
            throw InvalidInputException.For("entity_id", $"Give 1 to {MaxEntities} entity_id parameters (entity_id=AAPL&entity_id=MSFT).");
        for (var i = 0; i < entityIds.Count; i++)
            if (string.IsNullOrEmpty(entityIds[i]) || entityIds[i].Length > 256)
                throw InvalidInputException.For($"entity_id[{i}]", "entity_id is 1 to 256 characters.");
    }
}
