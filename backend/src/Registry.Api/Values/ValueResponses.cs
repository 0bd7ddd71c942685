using Registry.Core.Values;

namespace Registry.Api.Values;

/// <summary>What an ingest (or a materialization) did: counts, the stamp of the rows and the rules report.</summary>
public sealed record IngestResponse(
    string FeatureName,
    string FeatureVersion,
    int ContractMajor,
    Guid BatchId,
    DateTimeOffset IngestedAt,
    Registry.Core.Features.ValidationPolicy ValidationPolicy,
    long RowsReceived,
    long RowsWritten,
    long RowsUnchanged,
    long RowsRejected,
    RulesReportResponse Validation);

public sealed record RulesReportResponse(bool IsValid, IReadOnlyList<RuleResult> PassedRules, IReadOnlyList<RuleResult> FailedRules);

/// <summary>One stored value. `value` is typed by the feature's data type.</summary>
public sealed record ValueRowResponse(string EntityId, DateTimeOffset EventTs, object? Value, string FeatureVersion, DateTimeOffset IngestedAt);

/// <summary>Values of one contract (major version), streamed as they are read.</summary>
public sealed record ValuesResponse(string FeatureName, string FeatureVersion, int ContractMajor, IAsyncEnumerable<ValueRowResponse> Values);

/// <summary>The latest value of an entity, with its age at the time of the answer.</summary>
public sealed record LatestValueResponse(string EntityId, DateTimeOffset EventTs, object? Value, string FeatureVersion, DateTimeOffset IngestedAt, double AgeSeconds);

/// <summary>Latest values per entity; entities without any value are listed in `missing_entities`.</summary>
public sealed record LatestValuesResponse(string FeatureName, string FeatureVersion, int ContractMajor, DateTimeOffset AsOf,
    IReadOnlyList<LatestValueResponse> Values, IReadOnlyList<string> MissingEntities);

public sealed record ValueStatsResponse(string FeatureName, string FeatureVersion, int ContractMajor, long Rows, long Entities, double? NullRate,
    double? Min, double? Max, double? Mean, double? Std, DateTimeOffset? FirstEventTs, DateTimeOffset? LastEventTs);

internal static class ValueMapping
{
    public static IngestResponse ToResponse(this IngestResult r) => new(r.FeatureName, r.FeatureVersion, r.ContractMajor, r.BatchId,
        r.IngestedAt, r.ValidationPolicy, r.RowsReceived, r.RowsWritten, r.RowsUnchanged, r.RowsRejected,
        new RulesReportResponse(r.Validation.IsValid, r.Validation.PassedRules, r.Validation.FailedRules));

    public static ValueRowResponse ToResponse(this ValueRow r) => new(r.EntityId, r.EventTs, r.Value, r.FeatureVersion, r.IngestedAt);

    public static async IAsyncEnumerable<ValueRowResponse> ToResponses(this IAsyncEnumerable<ValueRow> rows)
    {
        await foreach (var row in rows) yield return row.ToResponse();
    }

    public static LatestValuesResponse ToResponse(this (ValueScope Scope, IReadOnlyList<ValueRow> Rows) latest, IReadOnlyList<string> asked, DateTimeOffset now)
    {
        var found = latest.Rows.Select(r => new LatestValueResponse(r.EntityId, r.EventTs, r.Value, r.FeatureVersion, r.IngestedAt,
            Math.Round((now - r.EventTs).TotalSeconds, 3))).ToList();
        var missing = asked.Distinct(StringComparer.Ordinal).Except(found.Select(f => f.EntityId), StringComparer.Ordinal).ToList();
        return new(latest.Scope.FeatureName, latest.Scope.FeatureVersion, latest.Scope.ContractMajor, now, found, missing);
    }

    public static ValueStatsResponse ToResponse(this (ValueScope Scope, ValueStats Stats) s) => new(s.Scope.FeatureName, s.Scope.FeatureVersion,
        s.Scope.ContractMajor, s.Stats.Rows, s.Stats.Entities, s.Stats.NullRate, s.Stats.Min, s.Stats.Max, s.Stats.Mean, s.Stats.Std,
        s.Stats.FirstEventTs, s.Stats.LastEventTs);
}
