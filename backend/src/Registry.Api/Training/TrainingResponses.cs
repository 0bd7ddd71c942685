using Mapster;
using Registry.Core.Training;

namespace Registry.Api.Training;

public sealed record TrainingFeatureResponse(string FeatureName, string FeatureVersion, int ContractMajor, double? MaxStalenessSeconds);

/// <summary>
/// The features as pinned (and the feature set version they came from, if any), then one flat object per row:
/// entity_id, ts, and a value per feature (null when none qualifies).
/// </summary>
public sealed record TrainingSetResponse(string? FeatureSet, string? FeatureSetVersion, IReadOnlyList<TrainingFeatureResponse> Features,
    DateTimeOffset? AsOf, IAsyncEnumerable<IReadOnlyDictionary<string, object?>> Rows);

internal sealed class TrainingMappings : IRegister
{
    public void Register(TypeAdapterConfig config) =>
        config.NewConfig<PinnedFeature, TrainingFeatureResponse>()
            .Map(d => d.MaxStalenessSeconds, s => s.MaxStalenessMicros / 1e6);
}

/// <summary>Hand-written because it is logic, not a copy: positional rows streamed from the store become objects keyed by column.</summary>
internal static class TrainingRows
{
    public static async IAsyncEnumerable<IReadOnlyDictionary<string, object?>> Of(TrainingSetPlan plan, IAsyncEnumerable<object?[]> rows)
    {
        await foreach (var row in rows)
        {
            var d = new Dictionary<string, object?>(row.Length) { ["entity_id"] = row[0], ["ts"] = row[1] };
            for (var i = 0; i < plan.Features.Count; i++) d[plan.Features[i].FeatureName] = row[i + 2];
            yield return d;
        }
    }
}

internal static class TrainingExamples
{
    public const string Rows = """
        {
          "features": ["stock_daily_close@1.0.0", "stock_rsi_14d"],
          "rows": [
            { "entity_id": "AAPL", "ts": "2024-01-03T22:00:00Z" },
            { "entity_id": "MSFT", "ts": "2024-01-03T22:00:00Z" }
          ],
          "max_staleness": { "stock_daily_close": "P3D" }
        }
        """;

    public const string FeatureSet = """
        {
          "feature_set": "tech_v1",
          "feature_set_version": "1.0.0",
          "rows": [
            { "entity_id": "AAPL", "ts": "2024-01-03T22:00:00Z" },
            { "entity_id": "AAPL", "ts": "2024-01-04T22:00:00Z" }
          ]
        }
        """;

    public const string LabelsCsv = """
        entity_id,ts
        AAPL,2024-01-03T22:00:00Z
        MSFT,2024-01-03T22:00:00Z
        """;

    public const string Range = """
        {
          "features": ["stock_daily_close"],
          "range": { "entity_ids": ["AAPL", "MSFT"], "from": "2024-01-02T22:00:00Z", "to": "2024-01-06T22:00:00Z", "step": "P1D" },
          "as_of": "2024-02-01T00:00:00Z"
        }
        """;
}
