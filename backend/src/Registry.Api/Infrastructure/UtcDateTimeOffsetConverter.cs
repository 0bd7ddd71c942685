using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Writes instants in UTC with a 'Z' (2025-01-01T00:00:00.123456Z) rather than '+00:00': a '+' pasted into
/// a query string (?as_of=...) silently becomes a space. Any ISO 8601 offset is still accepted on input.
/// </summary>
internal sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime);
}
