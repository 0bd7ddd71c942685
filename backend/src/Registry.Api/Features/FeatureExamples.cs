namespace Registry.Api.Features;

/// <summary>Request examples shown in Swagger UI: the original system's RSI feature and its input.</summary>
internal static class FeatureExamples
{
    public const string CreateStockRsi = """
        {
          "feature_name": "stock_rsi_14d",
          "feature_type": "technical_indicator",
          "data_type": "float",
          "description": "14-day Relative Strength Index",
          "owner": "quant-team",
          "tags": ["technical", "momentum", "oscillator"],
          "entity": "instrument_id",
          "upstream_features": ["stock_daily_close"],
          "transformation": {
            "transformation_type": "python",
            "code": "def calculate_rsi(prices, period=14): ...",
            "parameters": { "period": 14 }
          },
          "validation_rules": [
            { "rule_type": "range", "parameters": { "min": 0.0, "max": 100.0 }, "is_blocking": true }
          ],
          "duckdb_table": "features.stock_rsi_14d"
        }
        """;

    public const string CreateDailyClose = """
        {
          "feature_name": "stock_daily_close",
          "feature_type": "raw",
          "data_type": "float",
          "description": "Daily closing price",
          "owner": "data-eng",
          "tags": ["price"],
          "entity": "instrument_id",
          "validation_rules": [
            { "rule_type": "null_check", "parameters": { "max_null_ratio": 0.0 }, "is_blocking": true }
          ],
          "duckdb_table": "features.stock_daily_close"
        }
        """;

    public const string UpdateMetadata = """
        {
          "description": "14-day RSI (Wilder smoothing)",
          "owner": "quant-research",
          "tags": ["technical", "momentum", "oscillator", "wilder"]
        }
        """;
}
