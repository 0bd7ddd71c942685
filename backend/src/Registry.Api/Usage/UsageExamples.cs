namespace Registry.Api.Usage;

/// <summary>Request examples shown in Swagger UI: a training run reporting the RSI feature it used.</summary>
internal static class UsageExamples
{
    public const string Record = """
        {
          "feature_name": "stock_rsi_14d",
          "feature_version": "1.0.0",
          "used_by_model": "momentum_classifier",
          "model_version": "2.3.0",
          "environment": "production",
          "feature_importance": 0.142,
          "correlation_with_target": 0.31,
          "execution_id": "train-2025-03-01-0400",
          "execution_duration_ms": 84.5,
          "usage_timestamp": "2025-03-01T04:00:00Z"
        }
        """;

    public const string Batch = """
        {
          "records": [
            {
              "feature_name": "stock_rsi_14d",
              "feature_version": "1.0.0",
              "used_by_model": "momentum_classifier",
              "model_version": "2.4.0",
              "environment": "staging",
              "feature_importance": 0.142,
              "correlation_with_target": 0.31,
              "execution_id": "train-2025-03-08-0400",
              "execution_duration_ms": 84.5
            },
            {
              "feature_name": "stock_daily_close",
              "feature_version": "1.0.0",
              "used_by_model": "momentum_classifier",
              "model_version": "2.4.0",
              "environment": "staging",
              "feature_importance": 0.057,
              "correlation_with_target": -0.04,
              "execution_id": "train-2025-03-08-0400",
              "execution_duration_ms": 12.0
            }
          ]
        }
        """;
}
