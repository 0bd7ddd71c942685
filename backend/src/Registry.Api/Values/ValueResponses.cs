using Mapster;
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

internal sealed class ValueMappings : IRegister
{
    public void Register(TypeAdapterConfig config)
    {
        config.NewConfig<IngestResult, IngestResponse>();
        config.NewConfig<RulesReport, RulesReportResponse>();
        config.NewConfig<ValueRow, ValueRowResponse>();
        config.NewConfig<(ValueScope Scope, ValueStats Stats), ValueStatsResponse>()
            .Map(d => d.FeatureName, s => s.Scope.FeatureName)
            .Map(d => d.FeatureVersion, s => s.Scope.FeatureVersion)
            .Map(d => d.ContractMajor, s => s.Scope.ContractMajor)
            .Map(d => d.Rows, s => s.Stats.Rows)
            .Map(d => d.Entities, s => s.Stats.Entities)
            .Map(d => d.NullRate, s => s.Stats.NullRate)
            .Map(d => d.Min, s => s.Stats.Min)
            .Map(d => d.Max, s => s.Stats.Max)
            .Map(d => d.Mean, s => s.Stats.Mean)
            .Map(d => d.Std, s => s.Stats.Std)
            .Map(d => d.FirstEventTs, s => s.Stats.FirstEventTs)
            .Map(d => d.LastEventTs, s => s.Stats.LastEventTs);
    }
}

/// <summary>
/// Hand-written because it is logic, not a copy: each value's age against the answer's clock, and the entities asked
/// for that have no value.
/// </summary>
internal static class LatestValues
{
    public static LatestValuesResponse Response(ValueScope scope, IReadOnlyList<ValueRow> rows, IReadOnlyList<string> asked, DateTimeOffset now)
    {
        var found = rows.Select(r => new LatestValueResponse(r.EntityId, r.EventTs, r.Value, r.FeatureVersion, r.IngestedAt,
            Math.Round((now - r.EventTs).TotalSeconds, 3))).ToList();
        var missing = asked.Distinct(StringComparer.Ordinal).Except(found.Select(f => f.EntityId), StringComparer.Ordinal).ToList();
        return new(scope.FeatureName, scope.FeatureVersion, scope.ContractMajor, now, found, missing);
    }
}
