using FluentValidation;
using NuGet.Versioning;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Lineage;

namespace Registry.Core.Versions;

/// <summary>
/// The version number is the contract with every model trained on a feature: it always names the computation
/// that produced a value, history is never rewritten, and a rollback is a new version.
/// </summary>
public sealed class VersionService(IFeatureStore features, IVersionStore versions, ILineageStore lineage, TimeProvider clock,
    Values.ContractCache contracts, Values.SqlFeatureCheck sqlCheck)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    /// <summary>How far back a production use makes a breaking version need force.</summary>
    public static readonly TimeSpan ProductionUseWindow = TimeSpan.FromDays(30);

    /// <summary>
    /// Expects a request that passed <see cref="CreateVersionValidator"/>. Its rules' parameters are checked here,
    /// against the feature's data type, which only a read of the feature tells.
    /// </summary>
    public async Task<(FeatureDefinition Feature, FeatureVersion Version)> CreateAsync(
        string featureName, CreateVersionRequest request, int? ifMatch, Auth.Caller caller, CancellationToken ct)
    {
        FeatureService.CheckName(featureName);
        SemanticVersion? requested = null;
        if (request.Version is not null && !SemVer.TryParse(request.Version, out requested))
            throw InvalidInputException.For("version", "version must be SemVer 2.0, e.g. 1.2.0 or 2.0.0-rc.1 (no 'v' prefix, no leading zeros).");

        FeatureVersion? published = null;
        var feature = await OptimisticWrite.RunAsync(features, featureName, ifMatch, async current =>
        {
            ThrowIfArchived(current, "publish a version of");
            // Rules are checked against this feature's data type, so they are validated here, not by the validator.
            new VersionRulesValidator(current.DataType).Validate(request).ThrowIfInvalid();
            if (request.Transformation is not null) await sqlCheck.CheckAsync(request.Transformation.ToDomain(), current.UpstreamFeatures, ct);
            var existing = await versions.ListAsync(featureName, ct);
            var highest = SemVer.Highest(existing);
            var next = requested ?? SemVer.Bump(highest, request.Bump!.Value);
            CheckOrdering(featureName, next, highest, existing, request.BreakingChanges ?? false);

            var now = clock.Now();
            var changelog = request.Changelog;
            if (request.BreakingChanges == true)
            {
                var production = await lineage.GetModelsAsync([featureName], now - ProductionUseWindow, "production", ct);
                if (production.Count > 0 && request.Force != true)
                {
                    throw new ConflictException("Production models use this feature.",
                        $"Breaking version {next} of '{featureName}' is refused: production models used it in the last {ProductionUseWindow.TotalDays} days: " +
                        $"{string.Join(", ", production.Select(Describe))}. Retrain or migrate them, or send force: true.")
                    {
                        Extensions = new Dictionary<string, object?> { ["production_models"] = production.Select(Describe).ToList() },
                    };
                }
                if (production.Count > 0)
                    changelog = $"{changelog}{(string.IsNullOrEmpty(changelog) ? "" : " ")}[forced: breaking change published while production models used it: {string.Join(", ", production.Select(Describe))}]";
            }
            var version = new FeatureVersion
            {
                FeatureName = featureName,
                Version = next.ToFullString(),
                Changelog = changelog,
                BreakingChanges = request.BreakingChanges ?? false,
                TransformationSnapshot = request.Transformation is null ? current.Transformation : request.Transformation.ToDomain(),
                ValidationSnapshot = request.ValidationRules is null ? current.ValidationRules : request.ValidationRules.Select(r => r.ToDomain()).ToList(),
                CreatedBy = caller.Author(request.CreatedBy),
                CreatedByKey = caller.KeyId,
                CreatedAt = now,
            };
            published = version;
            return await versions.PublishAsync(Apply(current, version, now), current.Revision, version, rolledBack: null, ct);
        }, ct);
        contracts.Forget(feature.FeatureName); // the current contract may have changed
        return (feature, published!);
    }

    /// <summary>A page of the feature's versions, newest first; <c>Total</c> counts them all.</summary>
    public async Task<VersionPage> ListAsync(string featureName, int skip, int limit, CancellationToken ct)
    {
        if (Paging.Errors(skip, limit, MaxLimit) is { Count: > 0 } errors) throw new InvalidInputException(errors);
        var feature = await GetFeatureAsync(featureName, ct);
        var all = SemVer.NewestFirst(await versions.ListAsync(featureName, ct)).ToList();
        return new VersionPage(all.Skip(skip).Take(limit).ToList(), all.Count, feature.CurrentVersion);
    }

    public async Task<(FeatureVersion Version, string CurrentVersion)> GetAsync(string featureName, string version, CancellationToken ct)
    {
        var key = Key(version, "version");
        var feature = await GetFeatureAsync(featureName, ct);
        var found = await versions.GetAsync(featureName, key, ct)
            ?? throw new NotFoundException($"Feature '{featureName}' has no version {version}.");
        return (found, feature.CurrentVersion);
    }

    public async Task<VersionDiff> DiffAsync(string featureName, string from, string to, CancellationToken ct)
    {
        var (fromKey, toKey) = (Key(from, "from"), Key(to, "to"));
        await GetFeatureAsync(featureName, ct);
        var a = await versions.GetAsync(featureName, fromKey, ct) ?? throw new NotFoundException($"Feature '{featureName}' has no version {from}.");
        var b = await versions.GetAsync(featureName, toKey, ct) ?? throw new NotFoundException($"Feature '{featureName}' has no version {to}.");
        return new VersionDiff(featureName, a.Version, b.Version, SnapshotDiff.Compare(a, b));
    }

    /// <summary>
    /// Restores <paramref name="targetVersion"/>'s snapshots by publishing them as a new version, and marks the version
    /// that was current as rolled back. Nothing is deleted or renumbered. Within one contract (same major) the new
    /// version is the next patch; across a breaking boundary (2.0.0 back to 1.1.0) the rollback is itself a breaking
    /// change: the next major (3.0.0), <c>breaking_changes</c> true, and a contract of its own, so that no major ever
    /// names two contracts. The restored version's values stay readable under it (<c>?version=1.1.0</c>).
    /// Expects a request (when there is one) that passed <see cref="RollbackRequestValidator"/>.
    /// </summary>
    public async Task<(FeatureDefinition Feature, FeatureVersion Version)> RollbackAsync(
        string featureName, string? targetVersion, RollbackRequest? request, int? ifMatch, Auth.Caller caller, CancellationToken ct)
    {
        FeatureService.CheckName(featureName);
        if (string.IsNullOrEmpty(targetVersion))
            throw InvalidInputException.For("target_version", "target_version is required, e.g. ?target_version=1.0.0.");
        var key = Key(targetVersion, "target_version");

        FeatureVersion? published = null;
        var feature = await OptimisticWrite.RunAsync(features, featureName, ifMatch, async current =>
        {
            ThrowIfArchived(current, "roll back");
            var target = await versions.GetAsync(featureName, key, ct)
                ?? throw new NotFoundException($"Feature '{featureName}' has no version {targetVersion}.");
            if (SemVer.Key(SemVer.Parse(current.CurrentVersion)) == key)
                throw new RuleViolationException("Already the current version.", $"{target.Version} is already the current version of '{featureName}'.");

            var existing = await versions.ListAsync(featureName, ct);
            var highest = SemVer.Highest(existing);
            var now = clock.Now();
            var reason = string.IsNullOrWhiteSpace(request?.Reason) ? "" : $" {request.Reason.Trim()}";
            var (fromContract, toContract) = (Values.ValueService.ContractMajor(SemVer.Find(existing, current.CurrentVersion)!, existing),
                Values.ValueService.ContractMajor(target, existing));
            var breaking = fromContract != toContract;
            var next = SemVer.Bump(highest, breaking ? VersionBump.Major : VersionBump.Patch);
            var version = new FeatureVersion
            {
                FeatureName = featureName,
                Version = next.ToFullString(),
                Changelog = $"Rollback: restores version {target.Version} (was {current.CurrentVersion})." +
                            (breaking ? $" Breaking: contract {fromContract} is left for {target.Version}'s logic, so this is a new major with a contract of its own." : "") + reason,
                BreakingChanges = breaking,
                TransformationSnapshot = target.TransformationSnapshot,
                ValidationSnapshot = target.ValidationSnapshot,
                CreatedBy = caller.Author(request?.CreatedBy),
                CreatedByKey = caller.KeyId,
                CreatedAt = now,
                RestoredFrom = target.Version,
            };
            published = version;
            return await versions.PublishAsync(Apply(current, version, now), current.Revision, version, rolledBack: current.CurrentVersion, ct);
        }, ct);
        contracts.Forget(feature.FeatureName); // the current contract may have changed
        return (feature, published!);
    }

    private static FeatureDefinition Apply(FeatureDefinition current, FeatureVersion version, DateTimeOffset now) => current with
    {
        CurrentVersion = version.Version,
        Transformation = version.TransformationSnapshot,
        ValidationRules = version.ValidationSnapshot,
        UpdatedAt = now,
        Revision = current.Revision + 1,
    };

    private static void CheckOrdering(string featureName, SemanticVersion next, SemanticVersion highest, IReadOnlyList<FeatureVersion> existing, bool breaking)
    {
        var key = SemVer.Key(next);
        if (existing.Any(v => SemVer.Key(SemVer.Parse(v.Version)) == key))
            throw new ConflictException("The version already exists.", $"'{featureName}' already has version {key}; versions are immutable.");
        if (VersionComparer.Default.Compare(next, highest) <= 0)
            throw new RuleViolationException("The version is not greater than the highest.",
                $"{next} is not greater than {highest}, the highest version of '{featureName}'; history is never rewritten.")
            {
                Extensions = new Dictionary<string, object?> { ["highest_version"] = highest.ToFullString() },
            };
        if (breaking && highest.Major >= 1 && next.Major <= highest.Major)
            throw new RuleViolationException("A breaking change needs a major version.",
                $"breaking_changes is true, so the version must be at least {highest.Major + 1}.0.0 (highest is {highest}).")
            {
                Extensions = new Dictionary<string, object?> { ["highest_version"] = highest.ToFullString(), ["minimum_version"] = $"{highest.Major + 1}.0.0" },
            };
    }

    private static string Describe(ModelUsage m) => m.ModelVersion is null ? m.UsedByModel : $"{m.UsedByModel}@{m.ModelVersion}";

    private static void ThrowIfArchived(FeatureDefinition feature, string action)
    {
        if (feature.Status == FeatureStatus.Archived)
            throw new ConflictException("The feature is archived.", $"Cannot {action} '{feature.FeatureName}': it is archived.");
    }

    private async Task<FeatureDefinition> GetFeatureAsync(string featureName, CancellationToken ct)
    {
        FeatureService.CheckName(featureName);
        return await features.GetAsync(featureName, ct) ?? throw FeatureService.NotFound(featureName);
    }

    private static string Key(string version, string field) => SemVer.TryParse(version, out var parsed)
        ? SemVer.Key(parsed)
        : throw InvalidInputException.For(field, $"'{version}' is not a SemVer 2.0 version (e.g. 1.2.0, 2.0.0-rc.1).");
}

public sealed class CreateVersionValidator : AbstractValidator<CreateVersionRequest>
{
    public CreateVersionValidator()
    {
        RuleFor(x => x).Must(x => (x.Version is null) != (x.Bump is null)).OverridePropertyName("version")
            .WithMessage("Give exactly one of version (e.g. 1.1.0) or bump (major, minor, patch).");
        RuleFor(x => x.Bump).IsInEnum();
        // Optional everywhere: by default the API key's name (ADR 0029); blank is refused rather than recorded.
        RuleFor(x => x.CreatedBy).NotEmpty().MaximumLength(100).When(x => x.CreatedBy is not null);
        RuleFor(x => x.Changelog).MaximumLength(10_000);
        RuleFor(x => x.Transformation!).SetValidator(new TransformationValidator()).When(x => x.Transformation is not null);
        RuleFor(x => x.ValidationRules).Must(r => r is null || r.Count <= 50).WithMessage("At most 50 validation rules.");
    }
}

public sealed class RollbackRequestValidator : AbstractValidator<RollbackRequest>
{
    public RollbackRequestValidator()
    {
        RuleFor(x => x.CreatedBy).NotEmpty().MaximumLength(100).When(x => x.CreatedBy is not null);
        RuleFor(x => x.Reason).MaximumLength(2000);
    }
}

/// <summary>Rule parameters depend on the feature's data type, known only once the feature is read.</summary>
internal sealed class VersionRulesValidator : AbstractValidator<CreateVersionRequest>
{
    public VersionRulesValidator(DataType dataType) =>
        RuleForEach(x => x.ValidationRules).NotNull().SetValidator(new ValidationRuleValidator(dataType));
}
