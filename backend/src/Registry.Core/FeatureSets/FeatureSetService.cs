using NuGet.Versioning;
using Registry.Core.Common;
using Registry.Core.Versions;

namespace Registry.Core.FeatureSets;

/// <summary>
/// Named, versioned groups of features. A version pins every member to a published feature version and never changes;
/// changing the members means publishing a new, greater version. Training sets, snapshots and online vectors read a
/// version through <see cref="GetVersionAsync"/>.
/// </summary>
public sealed class FeatureSetService(IFeatureSetStore store, TimeProvider clock)
{
    public const string InitialVersion = "1.0.0";
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
    public const int DefaultVersionLimit = 100;
    /// <summary>Large enough for the Feast #3003 shape (1000 features in one retrieval).</summary>
    public const int MaxMembers = 2000;

    // Every round lets at least one publisher through; the bound matters only under pathological contention.
    private const int MaxAttempts = 25;

    /// <summary>
    /// Creates the set and publishes its first version (default 1.0.0) in one transaction.
    /// Expects a request that passed <see cref="CreateFeatureSetValidator"/>.
    /// </summary>
    public async Task<FeatureSetDetails> CreateAsync(CreateFeatureSetRequest request, Auth.Caller caller, CancellationToken ct)
    {
        var name = request.FeatureSetName!;
        var version = SemVer.Parse(request.Version ?? InitialVersion).ToFullString();
        // Checked first so that a taken name is the answer, whatever the members; the store's key settles a race.
        if (await store.GetAsync(name, ct) is not null) throw FeatureSetRules.Duplicate(name);
        var members = await ResolveMembersAsync(name, request.Members!, ct);

        var now = clock.Now();
        var set = new FeatureSet
        {
            FeatureSetName = name,
            Description = request.Description,
            Owner = request.Owner!,
            Tags = request.Tags?.Distinct(StringComparer.Ordinal).ToList() ?? [],
            CurrentVersion = version,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var first = new FeatureSetVersion
        {
            FeatureSetName = name,
            Version = version,
            Members = members,
            Changelog = request.Changelog ?? "Initial version.",
            CreatedBy = caller.Author(request.CreatedBy),
            CreatedByKey = caller.KeyId,
            CreatedAt = now,
        };
        return await store.CreateAsync(set, first, ct);
    }

    /// <summary>
    /// Publishes a new version with the given members; it must be greater than every existing version (422), and one that
    /// exists already is a 409. Earlier versions are untouched. Publishing is the only change a set undergoes, so its
    /// current version is its ETag: with <paramref name="ifMatchVersion"/>, a set whose current version is another one
    /// (someone published meanwhile) is a 412 instead of a retry on fresh data.
    /// Expects a request that passed <see cref="CreateFeatureSetVersionValidator"/>.
    /// </summary>
    public async Task<FeatureSetVersion> PublishVersionAsync(string featureSetName, CreateFeatureSetVersionRequest request, string? ifMatchVersion, Auth.Caller caller, CancellationToken ct)
    {
        CheckName(featureSetName);
        SemanticVersion? requested = request.Version is null ? null : SemVer.Parse(request.Version);
        var set = await store.GetAsync(featureSetName, ct) ?? throw NotFound(featureSetName);
        if (ifMatchVersion is not null && ifMatchVersion != set.CurrentVersion) throw Stale(featureSetName, set.CurrentVersion, ifMatchVersion);
        var members = await ResolveMembersAsync(featureSetName, request.Members!, ct);

        for (var round = 1; ; round++)
        {
            var highest = SemVer.Parse(set.CurrentVersion);
            var next = requested ?? SemVer.Bump(highest, request.Bump!.Value);
            var refusal = await CheckOrderingAsync(featureSetName, next, highest, ct);
            if (refusal is null)
            {
                var version = new FeatureSetVersion
                {
                    FeatureSetName = featureSetName,
                    Version = next.ToFullString(),
                    Members = members,
                    Changelog = request.Changelog,
                    CreatedBy = caller.Author(request.CreatedBy),
                    CreatedByKey = caller.KeyId,
                    CreatedAt = clock.Now(),
                };
                if (await store.PublishAsync(version, set.CurrentVersion, ct) is { } published) return published;
            }
            // A refusal counts only against the set as it is now: a version published meanwhile (a concurrent bump
            // took this number) means computing again, not refusing.
            var fresh = await store.GetAsync(featureSetName, ct) ?? throw NotFound(featureSetName);
            if (refusal is not null && fresh.CurrentVersion == set.CurrentVersion) throw refusal;
            if (ifMatchVersion is not null) throw Stale(featureSetName, fresh.CurrentVersion, ifMatchVersion);
            if (round == MaxAttempts)
                throw new ConflictException("Too many concurrent changes.", $"Feature set '{featureSetName}' kept changing under this request; retry it.");
            // Jitter spreads the losers out so they do not collide again in lockstep.
            await Task.Delay(Random.Shared.Next(1, 5 * round), ct);
            set = fresh;
        }
    }

    /// <summary>The set with its current version's members.</summary>
    public async Task<FeatureSetDetails> GetAsync(string featureSetName, CancellationToken ct)
    {
        CheckName(featureSetName);
        return await store.GetDetailsAsync(featureSetName, ct) ?? throw NotFound(featureSetName);
    }

    public Task<FeatureSetPage> ListAsync(FeatureSetListQuery query, CancellationToken ct)
    {
        var errors = Paging.Errors(query.Skip, query.Limit, MaxLimit);
        // Query strings reach SQL as text, and PostgreSQL text cannot hold NUL.
        foreach (var (field, values) in new[] { ("owner", new[] { query.Owner }), ("tags", query.Tags.ToArray()) })
        {
            if (values.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true)) errors[field] = ["Text cannot contain NUL characters (\\u0000)."];
        }
        if (errors.Count > 0) throw new InvalidInputException(errors);
        return store.ListAsync(query with { Owner = Blank(query.Owner), Tags = query.Tags.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList() }, ct);
    }

    /// <summary>A page of the set's versions, newest first by SemVer precedence; <c>Total</c> counts them all.</summary>
    public async Task<FeatureSetVersionPage> ListVersionsAsync(string featureSetName, int skip, int limit, CancellationToken ct)
    {
        if (Paging.Errors(skip, limit, MaxLimit) is { Count: > 0 } errors) throw new InvalidInputException(errors);
        CheckName(featureSetName);
        var set = await store.GetAsync(featureSetName, ct) ?? throw NotFound(featureSetName);
        var versions = (await store.ListVersionsAsync(featureSetName, ct))
            .OrderByDescending(v => SemVer.Parse(v.Version), VersionComparer.Default)
            .ToList();
        return new FeatureSetVersionPage(set, versions.Skip(skip).Take(limit).ToList(), versions.Count);
    }

    /// <summary>
    /// One published version of a feature set: its members in order, each pinned to an explicit feature version. This is
    /// the contract that training sets, snapshots and online vectors are built from; it never changes once published.
    /// </summary>
    /// <param name="name">The feature set's name (lowercase letters, digits and underscores, 3–100 characters).</param>
    /// <param name="version">A SemVer 2.0 version of the set, e.g. 1.0.0; build metadata is ignored when matching (1.0.0+abc finds 1.0.0).</param>
    /// <param name="ct">Cancels the read.</param>
    /// <returns>The version as published, with <see cref="FeatureSetVersion.Members"/> in their published order.</returns>
    /// <exception cref="InvalidInputException">The name or the version is malformed (400, keyed feature_set_name or version).</exception>
    /// <exception cref="NotFoundException">The set does not exist, or has no such version (404).</exception>
    public async Task<FeatureSetVersion> GetVersionAsync(string name, string version, CancellationToken ct)
    {
        CheckName(name);
        var key = VersionKey(version);
        // One read when the version exists (the path of every training set and online vector); a miss says what is missing.
        return await store.GetVersionAsync(name, key, ct)
            ?? throw (await store.GetAsync(name, ct) is null ? NotFound(name) : NoSuchVersion(name, version));
    }

    /// <summary>As <see cref="GetVersionAsync"/>, with the set's current version (to tell whether this one is current).</summary>
    public async Task<(FeatureSetVersion Version, string CurrentVersion)> GetVersionWithCurrentAsync(string name, string version, CancellationToken ct)
    {
        CheckName(name);
        var key = VersionKey(version);
        var set = await store.GetAsync(name, ct) ?? throw NotFound(name);
        var found = await store.GetVersionAsync(name, key, ct) ?? throw NoSuchVersion(name, version);
        return (found, set.CurrentVersion);
    }

    /// <summary>
    /// Every member must be an existing feature, at a published version (default: its current one, recorded explicitly),
    /// and neither deprecated nor archived. Each refusal names every culprit at once.
    /// </summary>
    private async Task<IReadOnlyList<FeatureSetMember>> ResolveMembersAsync(string featureSetName, IReadOnlyList<FeatureSetMemberInput> inputs, CancellationToken ct)
    {
        var refs = inputs.Select(m => new MemberRef(m.FeatureName!, m.FeatureVersion is null ? null : SemVer.Key(SemVer.Parse(m.FeatureVersion)))).ToList();
        var found = (await store.LookupMembersAsync(refs.Distinct().ToList(), ct)).ToDictionary(l => new MemberRef(l.FeatureName, l.VersionKey));

        var unknownFeatures = refs.Where(r => found[r].Status is null).Select(r => r.FeatureName).Distinct().ToList();
        if (unknownFeatures.Count > 0)
            throw new RuleViolationException("Unknown features.",
                $"These members of feature set '{featureSetName}' are not registered features: {string.Join(", ", unknownFeatures)}.")
            {
                Extensions = new Dictionary<string, object?> { ["unknown_features"] = unknownFeatures },
            };

        // Named as the client wrote them, so each one can be found in the request.
        var unknownVersions = inputs.Where((m, i) => refs[i].VersionKey is not null && found[refs[i]].PublishedVersion is null)
            .Select(m => $"{m.FeatureName}@{m.FeatureVersion}").ToList();
        if (unknownVersions.Count > 0)
            throw new RuleViolationException("Unknown feature versions.",
                $"These feature versions were never published: {string.Join(", ", unknownVersions)}. See GET /api/v1/features/{{feature_name}}/versions.")
            {
                Extensions = new Dictionary<string, object?> { ["unknown_feature_versions"] = unknownVersions },
            };

        FeatureSetRules.ThrowIfUnusable(featureSetName, refs.Select(r => found[r]).DistinctBy(l => l.FeatureName)
            .Select(l => (l.FeatureName, l.Status!.Value, l.DeprecatedAt)));

        return refs.Select(r => new FeatureSetMember(r.FeatureName, found[r].PublishedVersion ?? found[r].CurrentVersion!)).ToList();
    }

    /// <summary>The refusal for <paramref name="next"/> against the highest version read, or null when it may be published.</summary>
    private async Task<RegistryException?> CheckOrderingAsync(string featureSetName, SemanticVersion next, SemanticVersion highest, CancellationToken ct)
    {
        var key = SemVer.Key(next);
        if (await store.GetVersionAsync(featureSetName, key, ct) is not null)
            return new ConflictException("The version already exists.",
                $"Feature set '{featureSetName}' already has version {key}; a published version is immutable: publish a greater one.");
        if (VersionComparer.Default.Compare(next, highest) <= 0)
            return new RuleViolationException("The version is not greater than the highest.",
                $"{next} is not greater than {highest}, the highest version of feature set '{featureSetName}'; history is never rewritten.")
            {
                Extensions = new Dictionary<string, object?> { ["highest_version"] = highest.ToFullString() },
            };
        return null;
    }

    private static void CheckName(string featureSetName)
    {
        if (!Identifiers.IsFeatureName(featureSetName))
            throw InvalidInputException.For("feature_set_name", $"feature_set_name must be {Identifiers.FeatureNameRule}.");
    }

    private static string VersionKey(string version) => SemVer.TryParse(version, out var parsed)
        ? SemVer.Key(parsed)
        : throw InvalidInputException.For("version", $"'{version}' is not a SemVer 2.0 version (e.g. 1.2.0, 2.0.0-rc.1).");

    private static NotFoundException NoSuchVersion(string featureSetName, string version) =>
        new($"Feature set '{featureSetName}' has no version {version}.");

    private static NotFoundException NotFound(string featureSetName) => new($"Feature set '{featureSetName}' does not exist.");

    private static PreconditionFailedException Stale(string featureSetName, string current, string expected) =>
        new($"Feature set '{featureSetName}' is at version {current}, not {expected}; fetch it again and retry.");

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
