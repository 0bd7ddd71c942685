namespace Registry.Api.FeatureSets;

/// <summary>Request examples shown in Swagger UI: the original system's tech_v1, over the features of FeatureExamples.</summary>
internal static class FeatureSetExamples
{
    public const string Create = """
        {
          "feature_set_name": "tech_v1",
          "description": "Technical indicators for the daily momentum models",
          "owner": "quant-team",
          "tags": ["technical", "daily"],
          "members": [
            { "feature_name": "stock_daily_close", "feature_version": "1.0.0" },
            { "feature_name": "stock_rsi_14d" }
          ],
          "changelog": "Close and 14-day RSI.",
          "created_by": "quant-team"
        }
        """;

    public const string NewVersion = """
        {
          "bump": "major",
          "members": [
            { "feature_name": "stock_daily_close", "feature_version": "1.0.0" },
            { "feature_name": "stock_rsi_14d", "feature_version": "1.0.0" }
          ],
          "changelog": "Members pinned explicitly; the next model generation trains on this version.",
          "created_by": "quant-team"
        }
        """;

    public const string ExplicitVersion = """
        {
          "version": "1.1.0",
          "members": [
            { "feature_name": "stock_rsi_14d" },
            { "feature_name": "stock_daily_close" }
          ],
          "changelog": "RSI first: the column order of training sets built from this version.",
          "created_by": "quant-team"
        }
        """;
}
