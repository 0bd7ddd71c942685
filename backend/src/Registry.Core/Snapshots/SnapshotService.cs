using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.FeatureSets;
using Registry.Core.Usage;
using Registry.Core.Versions;

namespace Registry.Core.Snapshots;

/// <summary>
/// Snapshots of feature set versions: point-in-time training sets written once as Parquet files and recorded with their
/// checksums and normalization statistics, and the audit log of the models trained on them. The files come first, the
/// record second; a record is never written for files that are not all in place, and files whose record could not be
/// written are removed.
/// </summary>
public sealed class SnapshotService(
    FeatureSetService featureSets,
    IFeatureStore features,
    IVersionStore versions,
    ISnapshotStore store,
    ISnapshotFileStore files,
    IUsageStore usage,
    TimeProvider clock)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
    /// <summary>The bound of a training set (TrainingService.MaxRows): a snapshot is one training set.</summary>
    public const long MaxRows = 10_000_000;
    /// <summary>One file per day with rows: about 27 years of daily files.</summary>
    public const int MaxFiles = 10_000;
    public const int MaxEntities = 100_000;

    /// <summary>
    /// Writes the snapshot of a feature set version and records it. 400 for a bad range, timeframe or entity list, or one
    /// that makes too many rows or files; 404 for an unknown set or version; 422 when no member has a value for any row.
    /// Expects a request that passed <see cref="CreateSnapshotValidator"/>.
    /// </summary>
    public async Task<Snapshot> CreateAsync(string featureSetName, string version, CreateSnapshotRequest request, Auth.Caller caller, CancellationToken ct)
    {
        var timeframe = request.Timeframe ?? SnapshotTimeframes.Raw;
        SnapshotTimeframes.TryGetStep(timeframe, out var step);
        var from = request.From!.Value.ToMicroseconds();
        var to = request.To!.Value.ToMicroseconds();
        // A grid with more instants than the bound is too large for any entity list: refused before any work.
        if (step is { } s && SnapshotTimeframes.GridCount(from, to, s) * (request.EntityIds?.Count ?? 1) > MaxRows)
            throw TooManyRows(SnapshotTimeframes.GridCount(from, to, s) * (request.EntityIds?.Count ?? 1));

        var setVersion = await featureSets.GetVersionAsync(featureSetName, version, ct);
        if (setVersion.Members.Any(m => m.FeatureName == "entity_id"))
            throw new RuleViolationException("A member clashes with a snapshot column.",
                $"Feature set '{featureSetName}' {setVersion.Version} has a member named entity_id, which is also the snapshot's first column.");
        var pinned = await setVersion.PinAsync(features, versions, ct);

        var id = Guid.CreateVersion7(clock.GetUtcNow());
        var plan = new SnapshotPlan(id, setVersion.FeatureSetName, timeframe, step, from, to, request.EntityIds, pinned, MaxRows, MaxFiles);
        var written = await files.WriteAsync(plan, ct);
        if (written.Files.Count == 0)
            throw new RuleViolationException("The snapshot would have no data.",
                written.RowCount == 0
                    ? $"Feature set '{featureSetName}' {setVersion.Version} has no values in [{Iso(from)}, {Iso(to)}){ForEntities(request.EntityIds)}: the snapshot would have no rows."
                    : $"None of the {written.RowCount} rows has a value of any member of feature set '{featureSetName}' {setVersion.Version}{ForEntities(request.EntityIds)}: the snapshot would hold only nulls.");

        var snapshot = new Snapshot
        {
            Id = id,
            FeatureSetName = setVersion.FeatureSetName,
            FeatureSetVersion = setVersion.Version,
            From = from,
            To = to,
            Timeframe = timeframe,
            EntityIds = request.EntityIds,
            RowCount = written.RowCount,
            Files = written.Files,
            Checksum = SnapshotChecksum.Compute(written.Files),
            Features = pinned.Select((p, i) => new SnapshotFeature(p.FeatureName, p.FeatureVersion, p.ContractMajor, p.Table.DataType, written.Statistics[i])).ToList(),
            CreatedBy = caller.Author(request.CreatedBy),
            CreatedByKey = caller.KeyId,
            CreatedAt = clock.Now(),
        };
        try
        {
            await store.CreateAsync(snapshot, ct);
        }
        catch
        {
            // No record, no files: a tree without a record would be an artefact nobody can trust or find.
            files.Delete(id);
            throw;
        }
        return snapshot;
    }

    public async Task<Snapshot> GetAsync(Guid id, CancellationToken ct) =>
        await store.GetAsync(id, ct) ?? throw NotFound(id);

    /// <summary>Newest first; <see cref="SnapshotListQuery.FeatureSet"/> keeps one set's snapshots.</summary>
    public Task<SnapshotPage> ListAsync(SnapshotListQuery query, CancellationToken ct)
    {
        var errors = Paging.Errors(query.Skip, query.Limit, MaxLimit);
        if (query.FeatureSet is { Length: > 0 } set && !Identifiers.IsFeatureName(set))
            errors["feature_set"] = [$"feature_set must be {Identifiers.FeatureNameRule}."];
        if (errors.Count > 0) throw new InvalidInputException(errors);
        return store.ListAsync(query with { FeatureSet = string.IsNullOrEmpty(query.FeatureSet) ? null : query.FeatureSet }, ct);
    }

    /// <summary>
    /// The normalization statistics a snapshot was written with, in member order: count of non-null values, mean,
    /// population standard deviation (ddof = 0, as scikit-learn's StandardScaler), min and max. Mean, std, min and max
    /// are null for non-numeric members and for members without values in the snapshot.
    /// </summary>
    /// <exception cref="NotFoundException">No snapshot has this id (404).</exception>
    public async Task<SnapshotNormalization> GetNormalizationAsync(Guid id, CancellationToken ct)
    {
        var snapshot = await GetAsync(id, ct);
        return new SnapshotNormalization(snapshot.Id, snapshot.FeatureSetName, snapshot.FeatureSetVersion,
            snapshot.Features.Select(f => f.Statistics).ToList());
    }

    /// <summary>
    /// Records that a model trained on the snapshot: an entry in its audit log and, in the same transaction, a usage
    /// record of each member feature version (so usage statistics, impact and the breaking-change guard see it).
    /// Expects a request that passed <see cref="RecordSnapshotUsageValidator"/>.
    /// </summary>
    public async Task<RecordedSnapshotUsage> RecordUsageAsync(Guid id, RecordSnapshotUsageRequest request, CancellationToken ct)
    {
        var now = clock.Now();
        var snapshot = await GetAsync(id, ct);
        var usedAt = request.UsageTimestamp?.ToMicroseconds() ?? now;
        if (usedAt < snapshot.CreatedAt - UsageService.ClockSkew)
            throw new RuleViolationException("Used before it existed.",
                $"usage_timestamp {Iso(usedAt)} is before snapshot {id} was created ({Iso(snapshot.CreatedAt)}): no model can have trained on it then.");

        var entry = new SnapshotUsage
        {
            SnapshotId = id,
            UsedByModel = request.UsedByModel!,
            ModelVersion = request.ModelVersion!,
            Environment = request.Environment!.Value,
            ExecutionId = request.ExecutionId!,
            UsageTimestamp = usedAt,
        };
        var records = snapshot.Features.Select(f => new FeatureUsage
        {
            FeatureName = f.FeatureName,
            FeatureVersion = f.FeatureVersion,
            UsedByModel = entry.UsedByModel,
            ModelVersion = entry.ModelVersion,
            Environment = entry.Environment,
            ExecutionId = entry.ExecutionId,
            UsageTimestamp = usedAt,
            SnapshotId = id,
        }).ToList();
        return await usage.RecordSnapshotUsageAsync(entry, records, ct);
    }

    /// <summary>The audit log: the models trained on the snapshot, newest first.</summary>
    public async Task<SnapshotUsagePage> ListUsageAsync(Guid id, int skip, int limit, CancellationToken ct)
    {
        if (Paging.Errors(skip, limit, MaxLimit) is { Count: > 0 } errors) throw new InvalidInputException(errors);
        await GetAsync(id, ct);
        return await usage.ListSnapshotUsageAsync(id, skip, limit, ct);
    }

    /// <summary>A snapshot id as it comes in a route or query: a UUID, else a 400 keyed <paramref name="field"/>.</summary>
    public static Guid ParseId(string? text, string field = "snapshot_id") =>
        Guid.TryParse(text, out var id) ? id : throw InvalidInputException.For(field, $"{field} must be a UUID, e.g. 0195d0c4-7f3a-7b1e-9c2d-5e6f7a8b9c0d.");

    public static NotFoundException NotFound(Guid id) => new($"Snapshot '{id}' does not exist.");

    public static InvalidInputException TooManyRows(long rows) =>
        InvalidInputException.For("to", $"The range makes {rows} rows; a snapshot holds at most {MaxRows}. Narrow the range, choose a coarser timeframe or fewer entities.");

    public static InvalidInputException TooManyFiles(long days) =>
        InvalidInputException.For("to", $"The range has rows on {days} days; a snapshot holds at most {MaxFiles} daily files. Narrow the range.");

    private static string ForEntities(List<string>? entities) =>
        entities is null ? "" : $" for the {entities.Count} entities given";

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
