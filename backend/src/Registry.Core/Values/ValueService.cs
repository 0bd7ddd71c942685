using System.Globalization;
using System.Runtime.CompilerServices;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Versions;

namespace Registry.Core.Values;

/// <summary>
/// The rules of materialized values: which version and contract a row belongs to, what the validation policy does
/// with a failing batch, which reads see which rows, and what a SQL feature may read.
/// </summary>
public sealed class ValueService(IFeatureStore features, IVersionStore versions, IValueStore values, ContractCache contracts, SqlFeatureCheck sqlCheck,
    Online.OnlineTtl ttl, TimeProvider clock)
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 1_000_000;
    public const int MaxEntities = 1000;
    public const int SampleRows = 5;
    public const int DefaultMinHistory = 20;
    public static readonly TimeSpan DefaultMaxStaleness = TimeSpan.FromDays(3);

    public async Task<IngestResult> IngestAsync(string featureName, ValueFormat format, Stream body, IngestOptions options, CancellationToken ct)
    {
        var feature = await WritableAsync(featureName, options.IfMatch, ct);
        var all = await versions.ListAsync(featureName, ct);
        // Resolve a named version before reading the body, so a typo costs nothing.
        if (options.FeatureVersion is not null) Resolve(feature, all, options.FeatureVersion, "feature_version");

        await using var batch = await values.StageAsync(format, body, feature.DataType, ct);
        ThrowIfRowErrors(batch);
        if (batch.DeclaredVersion is { } declared && options.FeatureVersion is { } named && SemVer.TryParse(declared, out var d)
            && SemVer.TryParse(named, out var n) && SemVer.Key(d) != SemVer.Key(n))
            throw InvalidInputException.For("feature_version", $"The body names {declared} and the query {named}; give one.");
        var version = Resolve(feature, all, options.FeatureVersion ?? batch.DeclaredVersion ?? feature.CurrentVersion, "feature_version");
        return await CheckAndCommitAsync(feature, version, all, batch, options.Policy, ct);
    }

    /// <summary>Runs a SQL feature's query over its declared upstream features and writes the result as its values.</summary>
    public async Task<IngestResult> MaterializeAsync(string featureName, DateTimeOffset? from, DateTimeOffset? to, ValidationPolicy? policy,
        int? ifMatch, CancellationToken ct)
    {
        CheckRange(from, to);
        var feature = await WritableAsync(featureName, ifMatch, ct);
        var (sql, upstream) = await SqlInputsAsync(feature, ct);
        var all = await versions.ListAsync(featureName, ct);
        var version = Resolve(feature, all, feature.CurrentVersion, "feature_version");
        await using var batch = await values.StageQueryAsync(sql, upstream, feature.DataType, from?.ToMicroseconds(), to?.ToMicroseconds(), ct);
        if (batch.ErrorCount > 0) RegistryMetrics.RowsRejected(batch.RowCount, "invalid_rows");
        if (batch.ErrorCount > 0)
            throw new RuleViolationException("The SQL feature's query produced rows that cannot be stored.",
                $"{batch.ErrorCount} row(s) of the query's result are invalid: {string.Join("; ", batch.Errors.Take(3).Select(e => $"row {e.Row} {e.Field}: {e.Message}"))}.")
            {
                Extensions = new Dictionary<string, object?> { ["row_errors"] = batch.Errors },
            };
        return await CheckAndCommitAsync(feature, version, all, batch, policy, ct);
    }

    /// <summary>Creates (or replaces) the feature's DuckDB view: its SQL over the upstream features' current values, computed on read.</summary>
    public async Task<FeatureViewResult> ExposeViewAsync(string featureName, int? ifMatch, CancellationToken ct)
    {
        var feature = Matching(await GetAsync(featureName, ct), ifMatch);
        var (sql, upstream) = await SqlInputsAsync(feature, ct);
        // Always the feature's own name in the views schema: a view can never replace another feature's object (ADR 0019).
        var view = DuckDbNames.ViewOf(featureName);
        await values.CreateViewAsync(DuckDbNames.ViewSchema, featureName, sql, upstream, ct);
        return new FeatureViewResult(featureName, view, upstream.Select(u => u.FeatureName).ToList());
    }

    public async Task<(ValueScope Scope, ValueQuery Query)> PrepareReadAsync(string featureName, ReadOptions options, CancellationToken ct)
    {
        var errors = EntityErrors(options.EntityIds, required: false);
        if (options.Limit is < 1 or > MaxLimit) errors["limit"] = [$"limit must be between 1 and {MaxLimit}."];
        if (options.From is { } f && options.To is { } t && f >= t) errors["from"] = ["from must be before to."];
        if (errors.Count > 0) throw new InvalidInputException(errors);
        var scope = await ScopeAsync(featureName, options.Version, ct);
        return (scope, new ValueQuery(options.EntityIds.Distinct(StringComparer.Ordinal).ToList(), options.From?.ToMicroseconds(),
            options.To?.ToMicroseconds(), options.AsOf?.ToMicroseconds(), scope.ContractMajor, options.Limit ?? DefaultLimit));
    }

    public async IAsyncEnumerable<ValueRow> ReadAsync(ValueScope scope, ValueQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in values.ReadAsync(scope.Table, query, ct)) yield return row;
    }

    public Task ExportAsync(ValueScope scope, ValueQuery query, ValueFormat format, Stream output, CancellationToken ct) =>
        values.ExportAsync(scope.Table, query, format, output, ct);

    public async Task<(ValueScope Scope, IReadOnlyList<ValueRow> Rows)> LatestAsync(string featureName, IReadOnlyList<string> entityIds, string? version, CancellationToken ct)
    {
        var errors = EntityErrors(entityIds, required: true);
        if (errors.Count > 0) throw new InvalidInputException(errors);
        FeatureService.CheckName(featureName);
        var scope = version is null ? await CurrentScopeAsync(featureName, ct) : await ScopeAsync(featureName, version, ct);
        var rows = await values.LatestAsync(scope.Table, scope.ContractMajor, entityIds.Distinct(StringComparer.Ordinal).ToList(), ct);
        // Online-store TTL (none unless the online store is on): the same cut whichever process answers.
        if (ttl.For(featureName) is { } limit)
        {
            var now = clock.Now();
            rows = rows.Where(r => Online.OnlineTtl.Live(r.EventTs, limit, now)).ToList();
        }
        return (scope, rows);
    }

    /// <summary>
    /// The feature's current version, contract and table. The online path asks on every call, so the answer comes from
    /// memory (<see cref="ContractCache"/>): until the feature changes, or for a second when changes cannot be heard.
    /// A ValueTask: from memory it completes at once, and a vector of 10 members no longer allocates 10 tasks for it.
    /// </summary>
    public async ValueTask<ValueScope> CurrentScopeAsync(string featureName, CancellationToken ct)
    {
        if (contracts.TryGet(featureName, out var scope)) return scope;
        var generation = contracts.Generation;
        scope = await ScopeAsync(featureName, null, ct);
        contracts.Remember(scope, generation);
        return scope;
    }

    public async Task<(ValueScope Scope, ValueStats Stats)> StatsAsync(string featureName, DateTimeOffset? from, DateTimeOffset? to, string? version, CancellationToken ct)
    {
        CheckRange(from, to);
        var scope = await ScopeAsync(featureName, version, ct);
        return (scope, await values.StatsAsync(scope.Table, scope.ContractMajor, from?.ToMicroseconds(), to?.ToMicroseconds(), ct));
    }

    /// <summary>Every rule of the current version over the stored values in [from, to), plus the quality flags that apply.</summary>
    public async Task<ValidationReport> ValidateAsync(string featureName, DateTimeOffset? from, DateTimeOffset? to,
        int? minHistory, string? maxStaleness, CancellationToken ct)
    {
        CheckRange(from, to);
        var errors = new Dictionary<string, string[]>();
        if (minHistory is < 1 or > 1_000_000) errors["min_history"] = ["min_history must be between 1 and 1000000."];
        var staleness = DefaultMaxStaleness;
        if (maxStaleness is not null && (!Instants.TryParseDuration(maxStaleness, out staleness) || staleness <= TimeSpan.Zero))
            errors["max_staleness"] = ["max_staleness must be a positive ISO 8601 duration, e.g. P1D or PT6H."];
        if (errors.Count > 0) throw new InvalidInputException(errors);

        var feature = await GetAsync(featureName, ct);
        var all = await versions.ListAsync(featureName, ct);
        var version = Resolve(feature, all, feature.CurrentVersion, "version");
        var major = ContractMajor(version, all);
        var table = ValueTable.For(feature);
        var rules = version.ValidationSnapshot.Select((r, i) => RuleSpec.From(i, r)).ToList();
        var (f, t) = (from?.ToMicroseconds(), to?.ToMicroseconds());
        var measures = await values.MeasureAsync(table, major, f, t, rules, ct);
        var results = rules.Zip(measures, Judge).ToList();
        var z = rules.FirstOrDefault(r => r.RuleType == RuleType.Outlier)?.ZScoreThreshold ?? 3;
        var numeric = feature.DataType is DataType.Float or DataType.Integer;
        var facts = await values.QualityAsync(table, major, f, t, minHistory ?? DefaultMinHistory, numeric ? z : 0, ct);
        var flags = QualityFlags(facts, minHistory ?? DefaultMinHistory, staleness, z, numeric);
        var failed = results.Where(r => !r.Passed).ToList();
        return new ValidationReport(featureName, version.Version, major, f, t, facts.Stats.Rows,
            IsValid: failed.All(r => !r.IsBlocking),
            results.Where(r => r.Passed).ToList(), failed,
            failed.Where(r => r.IsBlocking).Select(r => r.Message).ToList(),
            failed.Where(r => !r.IsBlocking).Select(r => r.Message).ToList(),
            flags, facts.Stats);
    }

    private async Task<IngestResult> CheckAndCommitAsync(FeatureDefinition feature, FeatureVersion version, IReadOnlyList<FeatureVersion> all,
        IStagedBatch batch, ValidationPolicy? policyOverride, CancellationToken ct)
    {
        var policy = policyOverride ?? feature.ValidationPolicy;
        var rules = version.ValidationSnapshot.Select((r, i) => RuleSpec.From(i, r)).ToList();
        var results = rules.Zip(await values.MeasureAsync(batch, rules, ct), Judge).ToList();
        var report = new RulesReport(results.All(r => r.Passed || !r.IsBlocking),
            results.Where(r => r.Passed).ToList(), results.Where(r => !r.Passed).ToList());
        if (!report.IsValid && policy == ValidationPolicy.Strict)
        {
            var blocking = report.FailedRules.Where(r => r.IsBlocking).ToList();
            RegistryMetrics.RowsRejected(batch.RowCount, "blocking_rule");
            throw new RuleViolationException("The batch breaks blocking validation rules.",
                $"Nothing was written: {string.Join("; ", blocking.Select(r => r.Message))}. " +
                "Fix the rows, or send validation_policy=permissive to write them anyway.")
            {
                Extensions = new Dictionary<string, object?>
                {
                    ["rows_received"] = batch.RowCount,
                    ["rows_written"] = 0,
                    ["rows_rejected"] = batch.RowCount,
                    ["validation_policy"] = policy,
                    ["failed_rules"] = report.FailedRules,
                },
            };
        }

        var stamp = new ValueStamp(version.Version, ContractMajor(version, all), Guid.NewGuid());
        var counts = await values.CommitAsync(batch, ValueTable.For(feature), stamp, ct);
        RegistryMetrics.RowsIngested(counts.Written, counts.Unchanged);
        return new IngestResult(feature.FeatureName, version.Version, stamp.ContractMajor, stamp.BatchId, counts.IngestedAt, policy,
            batch.RowCount, counts.Written, counts.Unchanged, 0, report);
    }

    private static RuleResult Judge(RuleSpec rule, RuleMeasure m)
    {
        string Ratio(long n) => m.CheckedRows == 0 ? "0" : ((double)n / m.CheckedRows).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
        var (passed, message) = m.Error is { } error
            ? (false, $"rule {rule.Index} ({Wire(rule.RuleType)}) could not run: {error}")
            : rule.RuleType switch
            {
                RuleType.NullCheck => ((double)m.OffendingRows <= rule.MaxNullRatio * m.CheckedRows,
                    $"null_check: {m.OffendingRows} of {m.CheckedRows} values are null (ratio {Ratio(m.OffendingRows)}, allowed {rule.MaxNullRatio})"),
                RuleType.Range => (m.OffendingRows == 0,
                    $"range: {m.OffendingRows} of {m.CheckedRows} values outside [{rule.Min?.ToString(CultureInfo.InvariantCulture) ?? "-inf"}, {rule.Max?.ToString(CultureInfo.InvariantCulture) ?? "+inf"}]"),
                RuleType.Outlier => (m.OffendingRows == 0,
                    $"outlier: {m.OffendingRows} of {m.CheckedRows} values have |z| > {rule.ZScoreThreshold}"),
                RuleType.AllowedValues => (m.OffendingRows == 0,
                    $"allowed_values: {m.OffendingRows} of {m.CheckedRows} values are not among {rule.AllowedValuesJson}"),
                RuleType.Regex => (m.OffendingRows == 0,
                    $"regex: {m.OffendingRows} of {m.CheckedRows} values do not fully match {rule.Pattern}"),
                _ => (true, Wire(rule.RuleType)),
            };
        return new RuleResult(rule.Index, rule.RuleType, rule.IsBlocking, rule.Parameters, passed, m.CheckedRows, m.OffendingRows, message, m.Samples);
    }

    private static List<QualityFlag> QualityFlags(QualityFacts facts, int minHistory, TimeSpan maxStaleness, double z, bool numeric)
    {
        var flags = new List<QualityFlag>();
        var s = facts.Stats;
        if (s.Rows == 0)
        {
            flags.Add(new("no_data", "No values in the range."));
            return flags;
        }
        if (s.NullRate > 0) flags.Add(new("missing_data", $"{s.NullRate:P2} of the values are null."));
        if (facts.ThinEntities.Count > 0)
            flags.Add(new("insufficient_history",
                $"Entities with fewer than {minHistory} values: {string.Join(", ", facts.ThinEntities.Select(e => $"{e.EntityId} ({e.Rows})"))}."));
        if (numeric && facts.OutlierRows > 0) flags.Add(new("outliers", $"{facts.OutlierRows} value(s) have |z| > {z}."));
        if (s.LastEventTs is { } last && last < DateTimeOffset.UtcNow - maxStaleness)
            flags.Add(new("stale_data", $"The newest value is from {last:O}, older than {maxStaleness}."));
        return flags;
    }

    private async Task<(string Sql, List<UpstreamInput> Upstream)> SqlInputsAsync(FeatureDefinition feature, CancellationToken ct)
    {
        if (feature.Transformation is not { TransformationType: TransformationType.Sql } transformation)
            throw new RuleViolationException("Not a SQL feature.",
                $"'{feature.FeatureName}' has no sql transformation; only SQL features can be materialized by the registry. Push its values instead.");
        var refs = await sqlCheck.CheckAsync(transformation.Code, feature.UpstreamFeatures, ct);
        var upstream = new List<UpstreamInput>();
        foreach (var name in refs.Tables)
        {
            var up = await features.GetAsync(name, ct) ?? throw new RuleViolationException("Unknown upstream feature.", $"'{name}' does not exist.");
            var upVersions = await versions.ListAsync(name, ct);
            upstream.Add(new UpstreamInput(name, ValueTable.For(up), ContractMajor(Resolve(up, upVersions, up.CurrentVersion, "version"), upVersions)));
        }
        return (refs.Sql, upstream);
    }

    private async Task<ValueScope> ScopeAsync(string featureName, string? version, CancellationToken ct)
    {
        var feature = await GetAsync(featureName, ct);
        var all = await versions.ListAsync(featureName, ct);
        var v = Resolve(feature, all, version ?? feature.CurrentVersion, "version");
        return new ValueScope(featureName, v.Version, ContractMajor(v, all), ValueTable.For(feature));
    }

    private async Task<FeatureDefinition> GetAsync(string featureName, CancellationToken ct)
    {
        FeatureService.CheckName(featureName);
        return await features.GetAsync(featureName, ct) ?? throw FeatureService.NotFound(featureName);
    }

    /// <summary>Values are written while a feature is draft, active or deprecated; an archived feature is read-only (its values stay).</summary>
    private async Task<FeatureDefinition> WritableAsync(string featureName, int? ifMatch, CancellationToken ct)
    {
        var feature = Matching(await GetAsync(featureName, ct), ifMatch);
        if (feature.Status == FeatureStatus.Archived)
            throw new ConflictException("The feature is archived.", $"'{featureName}' is archived; its values can be read but no longer written.");
        return feature;
    }

    /// <summary>
    /// If-Match on a values change: the definition (version, rules, SQL) the caller prepared it against must still be
    /// the current one; the change then uses exactly that definition.
    /// </summary>
    private static FeatureDefinition Matching(FeatureDefinition feature, int? ifMatch) =>
        ifMatch is { } expected && expected != feature.Revision
            ? throw new PreconditionFailedException($"'{feature.FeatureName}' is at revision {feature.Revision}, not {expected}; fetch it again and retry.")
            : feature;

    private static FeatureVersion Resolve(FeatureDefinition feature, IReadOnlyList<FeatureVersion> all, string version, string field)
    {
        if (!SemVer.TryParse(version, out _))
            throw InvalidInputException.For(field, $"{field} must be a semantic version such as 1.2.0.");
        return SemVer.Find(all, version)
            ?? throw new RuleViolationException("Unknown feature version.",
                $"'{feature.FeatureName}' has no version {version}; its versions are {string.Join(", ", SemVer.NewestFirst(all).Select(v => v.Version))}.");
    }

    /// <summary>
    /// The major of the contract a version's values follow: its own major, or for a non-breaking rollback version the
    /// contract of the version it restored (the same major: 1.2.1 restoring 1.1.0). A breaking version, rollbacks across
    /// a major included (3.0.0 restoring 1.1.0), starts its own contract. Rollbacks published before that rule (2.0.1
    /// restoring 1.1.0, not breaking) keep the contract their values were stamped with.
    /// </summary>
    public static int ContractMajor(FeatureVersion version, IReadOnlyList<FeatureVersion> all)
    {
        var current = version;
        for (var hops = 0; !current.BreakingChanges && current.RestoredFrom is { } from && hops < 100; hops++)
        {
            var next = all.FirstOrDefault(v => v.Version == from);
            if (next is null) break;
            current = next;
        }
        return SemVer.Parse(current.Version).Major;
    }

    private static void ThrowIfRowErrors(IStagedBatch batch)
    {
        if (batch.ErrorCount == 0) return;
        RegistryMetrics.RowsRejected(batch.RowCount, "invalid_rows");
        var errors = batch.Errors
            .GroupBy(e => e.Row < 0 ? e.Field : $"rows[{e.Row}].{e.Field}")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
        throw new InvalidInputException(errors)
        {
            Extensions = new Dictionary<string, object?>
            {
                ["rows_received"] = batch.RowCount,
                ["rows_written"] = 0,
                ["rows_rejected"] = batch.RowCount,
                ["invalid_rows"] = batch.ErrorCount,
            },
        };
    }

    private static void CheckRange(DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is { } f && to is { } t && f >= t) throw InvalidInputException.For("from", "from must be before to.");
    }

    private static Dictionary<string, string[]> EntityErrors(IReadOnlyList<string> entityIds, bool required)
    {
        var errors = new Dictionary<string, string[]>();
        if (required && entityIds.Count == 0) errors["entity_id"] = ["Give at least one entity_id, e.g. ?entity_id=AAPL&entity_id=MSFT."];
        else if (entityIds.Count > MaxEntities) errors["entity_id"] = [$"At most {MaxEntities} entity_id values per request."];
        else if (entityIds.Any(e => e.Length is 0 or > 256 || e.Contains('\0', StringComparison.Ordinal)))
            errors["entity_id"] = ["Each entity_id is 1 to 256 characters, without NUL."];
        return errors;
    }

    private static string Wire(RuleType t) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(t.ToString());
}
