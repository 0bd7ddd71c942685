namespace Registry.Api.Versions;

internal static class VersionExamples
{
    public const string Minor = """
        {
          "version": "1.1.0",
          "changelog": "Wilder smoothing instead of a simple moving average.",
          "breaking_changes": false,
          "transformation": {
            "transformation_type": "python",
            "code": "def calculate_rsi(prices, period=14): ...  # Wilder smoothing",
            "parameters": { "period": 14, "smoothing": "wilder" }
          },
          "validation_rules": [
            { "rule_type": "range", "parameters": { "min": 0.0, "max": 100.0 }, "is_blocking": true },
            { "rule_type": "null_check", "parameters": { "max_null_ratio": 0.01 }, "is_blocking": false }
          ],
          "created_by": "quant-team"
        }
        """;

    public const string Bump = """
        {
          "bump": "major",
          "changelog": "Period changed from 14 to 21 days: values are not comparable with 1.x.",
          "breaking_changes": true,
          "transformation": {
            "transformation_type": "python",
            "code": "def calculate_rsi(prices, period=21): ...",
            "parameters": { "period": 21 }
          },
          "created_by": "quant-team"
        }
        """;

    public const string Rollback = """
        {
          "created_by": "on-call",
          "reason": "1.1.0 produced NaN for illiquid instruments."
        }
        """;
}
