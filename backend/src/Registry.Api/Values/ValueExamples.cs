namespace Registry.Api.Values;

internal static class ValueExamples
{
    public const string Json = """
        {
          "feature_version": "1.0.0",
          "rows": [
            { "entity_id": "AAPL", "event_ts": "2024-01-02T21:00:00Z", "value": 185.64 },
            { "entity_id": "AAPL", "event_ts": "2024-01-03T21:00:00Z", "value": 184.25 },
            { "entity_id": "MSFT", "event_ts": "2024-01-02T21:00:00Z", "value": 370.87 }
          ]
        }
        """;

    public const string Csv = """
        entity_id,event_ts,value
        AAPL,2024-01-04T21:00:00Z,181.91
        MSFT,2024-01-03T21:00:00Z,370.60
        """;
}
