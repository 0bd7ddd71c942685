using Registry.Core.Common;
using Registry.Core.Versions;

namespace Registry.Core.Features;

/// <summary>The rules of feature definitions: naming, lineage integrity, the lifecycle, safe concurrent edits.</summary>
public sealed class FeatureService(IFeatureStore store, TimeProvider clock, Values.SqlFeatureCheck sqlCheck)
{
    public const string InitialVersion = "1.0.0";
    public const string DefaultEntity = "entity_id";
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>Expects a request that passed <see cref="CreateFeatureValidator"/> (the API runs it on the body; ADR 0020).</summary>
    public async Task<FeatureDefinition> CreateAsync(CreateFeatureRequest request, Auth.Caller caller, CancellationToken ct)
    {
        var name = request.FeatureName!;
        var upstream = Distinct(request.UpstreamFeatures);
        await CheckUpstreamAsync(name, upstream, ct);
        // A SQL feature is refused when it is registered, not at its first materialize (ADR 0019).
        var transformation = request.Transformation?.ToDomain();
        await sqlCheck.CheckAsync(transformation, upstream, ct);

        var now = Now();
        var feature = new FeatureDefinition
        {
            FeatureName = name,
            CurrentVersion = InitialVersion,
            FeatureType = request.FeatureType!.Value,
            DataType = request.DataType!.Value,
            Status = FeatureStatus.Draft,
            Description = request.Description,
            Owner = request.Owner!,
            Tags = Distinct(request.Tags),
            Entity = request.Entity ?? DefaultEntity,
            Transformation = transformation,
            ValidationRules = request.ValidationRules?.Select(r => r.ToDomain()).ToList() ?? [],
            UpstreamFeatures = upstream,
            // Recorded, so the definition says where its values and its view are; only these names are accepted (ADR 0019).
            DuckDbTable = Values.DuckDbNames.TableOf(name),
            DuckDbView = Values.DuckDbNames.ViewOf(name),
            ValidationPolicy = request.ValidationPolicy ?? ValidationPolicy.Strict,
            CreatedAt = now,
            UpdatedAt = now,
            Revision = 1,
        };
        var initial = new FeatureVersion
        {
            FeatureName = name,
            Version = InitialVersion,
            Changelog = "Initial version.",
            TransformationSnapshot = feature.Transformation,
            ValidationSnapshot = feature.ValidationRules,
            CreatedBy = caller.Name,
            CreatedByKey = caller.KeyId,
            CreatedAt = now,
        };
        return await store.CreateAsync(feature, initial, ct);
    }

    public async Task<FeatureDefinition> GetAsync(string featureName, CancellationToken ct)
    {
        CheckName(featureName);
        // A read answered as it is: from memory when the definition is cached (ADR 0016).
        return await store.GetForReadAsync(featureName, ct) ?? throw NotFound(featureName);
    }

    /// <summary>The definition as it stood at <paramref name="asOf"/>: the question a backtest asks.</summary>
    public async Task<FeatureDefinition> GetAsOfAsync(string featureName, DateTimeOffset asOf, CancellationToken ct)
    {
        CheckName(featureName);
        return await store.GetAsOfAsync(featureName, asOf, ct)
            ?? throw new NotFoundException(await store.GetAsync(featureName, ct) is null
                ? $"Feature '{featureName}' does not exist."
                : $"Feature '{featureName}' did not exist yet at {asOf:O}.");
    }

    public Task<FeaturePage> ListAsync(FeatureListQuery query, CancellationToken ct)
    {
        var errors = Paging.Errors(query.Skip, query.Limit, MaxLimit);
        if (query.Search is { Length: > 200 }) errors["search"] = ["search is at most 200 characters."];
        // Query strings reach SQL as text, and PostgreSQL text cannot hold NUL.
        foreach (var (field, values) in new[] { ("owner", new[] { query.Owner }), ("search", [query.Search]), ("tags", query.Tags.ToArray()) })
        {
            if (values.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true))
                errors[field] = ["Text cannot contain NUL characters (\\u0000)."];
        }
        if (errors.Count > 0) throw new InvalidInputException(errors);
        return store.ListAsync(query with { Tags = query.Tags.Where(t => t.Length > 0).Distinct().ToList() }, ct);
    }

    /// <summary>Expects a request that passed <see cref="UpdateFeatureValidator"/>.</summary>
    public Task<FeatureDefinition> UpdateAsync(string featureName, UpdateFeatureRequest request, int? ifMatch, CancellationToken ct)
    {
        CheckName(featureName);
        return ChangeAsync(featureName, ifMatch, async current =>
        {
            if (current.Status == FeatureStatus.Archived)
                throw new ConflictException("The feature is archived.", $"'{featureName}' is archived; an archived feature cannot be changed.");
            var upstream = request.UpstreamFeatures is null ? current.UpstreamFeatures : Distinct(request.UpstreamFeatures);
            if (request.UpstreamFeatures is not null)
            {
                await CheckUpstreamAsync(featureName, upstream.Except(current.UpstreamFeatures).ToList(), ct);
                // Dropping an upstream feature the SQL reads would make lineage lie.
                await sqlCheck.CheckAsync(current.Transformation, upstream, ct);
            }
            return current with
            {
                Description = request.Description ?? current.Description,
                Owner = request.Owner ?? current.Owner,
                Tags = request.Tags is null ? current.Tags : Distinct(request.Tags),
                UpstreamFeatures = upstream,
                ValidationPolicy = request.ValidationPolicy ?? current.ValidationPolicy,
            };
        }, ct);
    }

    public Task<FeatureDefinition> ActivateAsync(string featureName, int? ifMatch, CancellationToken ct) =>
        TransitionAsync(featureName, FeatureLifecycle.Activate, FeatureStatus.Active, ifMatch, ct);

    public Task<FeatureDefinition> DeprecateAsync(string featureName, int? ifMatch, CancellationToken ct) =>
        TransitionAsync(featureName, FeatureLifecycle.Deprecate, FeatureStatus.Deprecated, ifMatch, ct);

    /// <summary>A soft delete: the feature is archived, its name stays reserved and its history kept.</summary>
    public Task DeleteAsync(string featureName, int? ifMatch, CancellationToken ct) =>
        TransitionAsync(featureName, FeatureLifecycle.Delete, FeatureStatus.Archived, ifMatch, ct);

    private Task<FeatureDefinition> TransitionAsync(string featureName, string action, FeatureStatus target, int? ifMatch, CancellationToken ct)
    {
        CheckName(featureName);
        return ChangeAsync(featureName, ifMatch, async current =>
        {
            // Deleting twice is not an error: the resource is already in the state the client asked for.
            if (action == FeatureLifecycle.Delete && current.Status == FeatureStatus.Archived && ifMatch is null) return null;
            if (!FeatureLifecycle.CanApply(current.Status, action))
            {
                var allowed = FeatureLifecycle.AllowedActions(current.Status);
                throw new ConflictException("Invalid lifecycle transition.",
                    $"Cannot {action} '{featureName}' while it is {Wire(current.Status)}; allowed: {(allowed.Count == 0 ? "none (archived is final)" : string.Join(", ", allowed))}.")
                {
                    Extensions = new Dictionary<string, object?> { ["current_status"] = Wire(current.Status), ["allowed_actions"] = allowed },
                };
            }
            if (target is FeatureStatus.Deprecated or FeatureStatus.Archived)
                await ThrowIfActiveDependentsAsync(featureName, action, ct);
            var now = Now();
            return current with
            {
                Status = target,
                DeprecatedAt = target == FeatureStatus.Deprecated ? now : target == FeatureStatus.Active ? null : current.DeprecatedAt,
            };
        }, ct);
    }

    private async Task ThrowIfActiveDependentsAsync(string featureName, string action, CancellationToken ct)
    {
        var blocking = (await store.GetDirectDownstreamAsync(featureName, ct)).Where(d => d.Status == FeatureStatus.Active).ToList();
        if (blocking.Count == 0) return;
        throw new ConflictException("Active features depend on this one.",
            $"Cannot {action} '{featureName}': active downstream features use it: {string.Join(", ", blocking.Select(b => b.FeatureName))}. Deprecate them first.")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["active_dependents"] = blocking.Select(b => new Dictionary<string, string>
                {
                    ["feature_name"] = b.FeatureName,
                    ["owner"] = b.Owner,
                }).ToList(),
            },
        };
    }

    /// <summary>A change returning null means there is nothing to write: the current definition is the answer.</summary>
    private Task<FeatureDefinition> ChangeAsync(string featureName, int? ifMatch, Func<FeatureDefinition, Task<FeatureDefinition?>> change, CancellationToken ct) =>
        OptimisticWrite.RunAsync(store, featureName, ifMatch, async current =>
        {
            if (await change(current) is not { } changed) return current;
            return await store.UpdateAsync(changed with { UpdatedAt = Now(), Revision = current.Revision + 1 }, current.Revision, ct);
        }, ct);

    /// <summary>
    /// Upstream features must exist and not be archived. A cycle through other features is refused by the store,
    /// inside the write's transaction and under a lock: checked here, two concurrent edits could each add half of one.
    /// </summary>
    private async Task CheckUpstreamAsync(string featureName, List<string> added, CancellationToken ct)
    {
        if (added.Contains(featureName))
            throw new RuleViolationException("Dependency cycle.", $"'{featureName}' cannot be its own upstream feature (cycle: {featureName} -> {featureName}).");
        if (added.Count == 0) return;

        var statuses = await store.GetStatusesAsync(added, ct);
        var missing = added.Where(n => !statuses.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw new RuleViolationException("Unknown upstream features.", $"These upstream features do not exist: {string.Join(", ", missing)}.")
            {
                Extensions = new Dictionary<string, object?> { ["unknown_upstream_features"] = missing },
            };
        var archived = added.Where(n => statuses[n] == FeatureStatus.Archived).ToList();
        if (archived.Count > 0)
            throw new RuleViolationException("Archived upstream features.", $"These upstream features are archived and cannot be depended on: {string.Join(", ", archived)}.")
            {
                Extensions = new Dictionary<string, object?> { ["archived_upstream_features"] = archived },
            };
    }

    private DateTimeOffset Now() => clock.Now();

    internal static void CheckName(string featureName)
    {
        if (!Identifiers.IsFeatureName(featureName))
            throw InvalidInputException.For("feature_name", $"feature_name must be {Identifiers.FeatureNameRule}.");
    }

    internal static NotFoundException NotFound(string featureName) => new($"Feature '{featureName}' does not exist.");

    private static List<string> Distinct(IEnumerable<string>? values) => values?.Distinct(StringComparer.Ordinal).ToList() ?? [];

    internal static string Wire(FeatureStatus status) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}

public static class FeatureInputMapping
{
    public static Transformation ToDomain(this TransformationInput input) =>
        new(input.TransformationType!.Value, input.Code!, input.Parameters ?? []);

    public static ValidationRule ToDomain(this ValidationRuleInput input) =>
        new(input.RuleType!.Value, input.Parameters ?? [], input.IsBlocking ?? true);
}
