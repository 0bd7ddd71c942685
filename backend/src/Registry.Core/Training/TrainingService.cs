using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.FeatureSets;
using Registry.Core.Values;
using Registry.Core.Versions;

namespace Registry.Core.Training;

/// <summary>
/// Point-in-time training sets: which features at which versions (and so which contracts), which rows to label,
/// how stale a value may be, and as of when. The join itself is the store's.
/// </summary>
public sealed class TrainingService(IFeatureStore features, IVersionStore versions, ITrainingStore store, FeatureSetService featureSets)
{
    public const int MaxFeatures = 2000;
    public const int MaxRows = 10_000_000;
    public const int MaxListedRows = 1_000_000;

    /// <summary>Checks the request and resolves every feature to its pinned version, contract and table.</summary>
    public async Task<(TrainingSetPlan Plan, LabelSource? Labels)> PlanAsync(TrainingSetRequest request, bool upload, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var (parsed, setVersion) = await MembersAsync(request, errors, ct);
        var duplicates = parsed.GroupBy(p => p.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0) errors["features"] = [$"Each feature once: {string.Join(", ", duplicates)} appear more than once."];
        if (parsed.Any(p => p.Name is "entity_id" or "ts")) errors["features"] = ["A feature named entity_id or ts would clash with the label columns."];

        var staleness = new Dictionary<string, long>();
        foreach (var (name, text) in request.MaxStaleness ?? [])
        {
            if (!parsed.Any(p => p.Name == name)) { errors[$"max_staleness.{name}"] = ["Not one of the requested features."]; continue; }
            if (Instants.TryParseDuration(text, out var d) && d > TimeSpan.Zero) staleness[name] = d.Ticks / 10;
            else errors[$"max_staleness.{name}"] = ["An ISO 8601 duration such as P3D or PT4H."];
        }

        LabelSource? labels = null;
        var sources = (request.Rows is not null ? 1 : 0) + (request.Range is not null ? 1 : 0) + (upload ? 1 : 0);
        if (sources != 1) errors["rows"] = ["Give the rows to label: rows, or range, or upload a CSV/Parquet file (one of them)."];
        else if (request.Rows is { } rows) labels = ListLabels(rows, errors);
        else if (request.Range is { } range) labels = RangeLabels(range, errors);
        if (errors.Count > 0) throw new InvalidInputException(errors);

        var pinned = new List<PinnedFeature>();
        var unknown = new List<string>();
        foreach (var (name, version) in parsed)
        {
            var feature = await features.GetAsync(name, ct);
            if (feature is null) { unknown.Add(name); continue; }
            var all = await versions.ListAsync(name, ct);
            var wanted = version ?? feature.CurrentVersion;
            var found = SemVer.Find(all, wanted);
            if (found is null) { unknown.Add($"{name}@{wanted}"); continue; }
            pinned.Add(new PinnedFeature(name, found.Version, ValueService.ContractMajor(found, all), ValueTable.For(feature),
                staleness.TryGetValue(name, out var s) ? s : null));
        }
        if (unknown.Count > 0)
            throw new RuleViolationException("Unknown features or versions.", $"These do not exist: {string.Join(", ", unknown)}.")
            {
                Extensions = new Dictionary<string, object?> { ["unknown_features"] = unknown },
            };
        return (new TrainingSetPlan(pinned, request.AsOf?.ToMicroseconds(), request.FeatureSet, setVersion), labels);
    }

    /// <summary>
    /// The (feature, version) pairs to join: the listed <c>feature@version</c>s, or the members of a feature set version
    /// (pinned versions, in the set's order). Exactly one of the two.
    /// </summary>
    private async Task<(List<(string Name, string? Version)> Members, string? SetVersion)> MembersAsync(TrainingSetRequest request, Dictionary<string, string[]> errors,
        CancellationToken ct)
    {
        var parsed = new List<(string Name, string? Version)>();
        if (request.FeatureSet is { } setName)
        {
            if (request.Features is not null) errors["features"] = ["Give features or feature_set, not both."];
            if (!Identifiers.IsFeatureName(setName)) errors["feature_set"] = [$"'{setName}' is not a feature set name ({Identifiers.FeatureNameRule})."];
            if (request.FeatureSetVersion is { } v && !SemVer.TryParse(v, out _))
                errors["feature_set_version"] = [$"'{v}' is not a semantic version."];
            if (errors.Count > 0) return (parsed, null);
            var version = request.FeatureSetVersion is { } wanted
                ? await featureSets.GetVersionAsync(setName, wanted, ct)
                : (await featureSets.GetAsync(setName, ct)).Current;
            parsed.AddRange(version.Members.Select(m => (m.FeatureName, (string?)m.FeatureVersion)));
            return (parsed, version.Version);
        }
        if (request.FeatureSetVersion is not null) errors["feature_set"] = ["feature_set_version needs feature_set."];
        var specs = request.Features ?? [];
        if (specs.Count == 0) errors["features"] = ["Give at least one feature as feature_name or feature_name@version, or a feature_set."];
        else if (specs.Count > MaxFeatures) errors["features"] = [$"At most {MaxFeatures} features."];
        for (var i = 0; i < specs.Count && specs.Count <= MaxFeatures; i++)
        {
            var parts = (specs[i] ?? "").Split('@');
            if (parts.Length > 2 || !Identifiers.IsFeatureName(parts[0]))
                errors[$"features[{i}]"] = [$"'{specs[i]}' is not feature_name or feature_name@version ({Identifiers.FeatureNameRule})."];
            else if (parts.Length == 2 && !SemVer.TryParse(parts[1], out _))
                errors[$"features[{i}]"] = [$"'{parts[1]}' is not a semantic version."];
            else parsed.Add((parts[0], parts.Length == 2 ? parts[1] : null));
        }
        return (parsed, null);
    }

    public IAsyncEnumerable<object?[]> BuildAsync(TrainingSetPlan plan, LabelSource labels, CancellationToken ct) =>
        store.BuildAsync(labels, plan.Features, plan.AsOf, ct);

    public Task ExportAsync(TrainingSetPlan plan, LabelSource labels, ValueFormat format, Stream output, CancellationToken ct) =>
        store.ExportAsync(labels, plan.Features, plan.AsOf, format, output, ct);

    private static LabelSource.List ListLabels(List<LabelRowInput> rows, Dictionary<string, string[]> errors)
    {
        if (rows.Count == 0 || rows.Count > MaxListedRows) errors["rows"] = [$"Between 1 and {MaxListedRows} rows; upload a file for more."];
        var list = new List<(string, DateTimeOffset)>(rows.Count);
        for (var i = 0; i < rows.Count && errors.Count < 20; i++)
        {
            var r = rows[i];
            if (r is null) { errors[$"rows[{i}]"] = ["A row is {\"entity_id\", \"ts\"}."]; continue; }
            if (string.IsNullOrEmpty(r.EntityId) || r.EntityId.Length > 256) errors[$"rows[{i}].entity_id"] = ["entity_id is 1 to 256 characters."];
            if (r.Ts is null) errors[$"rows[{i}].ts"] = ["ts is required."];
            if (errors.Count == 0) list.Add((r.EntityId!, r.Ts!.Value));
        }
        return new LabelSource.List(list);
    }

    private static LabelSource.List? RangeLabels(LabelRangeInput range, Dictionary<string, string[]> errors)
    {
        TimeSpan? step = Instants.TryParseDuration(range.Step, out var parsedStep) ? parsedStep : null;
        if (range.EntityIds is not { Count: > 0 } entities || entities.Any(e => string.IsNullOrEmpty(e) || e.Length > 256))
            errors["range.entity_ids"] = ["Give 1 or more entity ids, each 1 to 256 characters."];
        if (range.From is null) errors["range.from"] = ["from is required."];
        if (range.To is null) errors["range.to"] = ["to is required."];
        if (range.From >= range.To) errors["range.from"] = ["from must be before to."];
        if (step is null || step <= TimeSpan.Zero) errors["range.step"] = ["step is an ISO 8601 duration such as P1D or PT1H."];
        if (errors.Count > 0) return null;
        var steps = (long)Math.Ceiling((range.To!.Value - range.From!.Value) / step!.Value);
        if (steps * range.EntityIds!.Count > MaxRows)
        {
            errors["range"] = [$"The range makes {steps * range.EntityIds.Count} rows; at most {MaxRows}."];
            return null;
        }
        var list = new List<(string, DateTimeOffset)>((int)(steps * range.EntityIds.Count));
        foreach (var e in range.EntityIds.Distinct())
            for (var t = range.From.Value; t < range.To.Value; t += step.Value) list.Add((e, t));
        return new LabelSource.List(list);
    }
}
