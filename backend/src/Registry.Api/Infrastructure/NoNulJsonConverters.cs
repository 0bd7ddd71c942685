using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Api.Infrastructure;

/// <summary>
/// PostgreSQL text cannot hold NUL (U+0000), so a "\u0000" in any request string used to reach the database and
/// come back as a 500. Refusing it while the body is read turns it into a 400 keyed by the field, for every field.
/// </summary>
internal static class NoNul
{
    public const string Message = "Text cannot contain NUL characters (\\u0000).";

    public static string Check(string value) =>
        value.Contains('\0', StringComparison.Ordinal) ? throw new NulCharacterException() : value;
}

/// <summary>Its own type, so that InvalidInput recognises it; System.Text.Json adds the path to this same instance.</summary>
internal sealed class NulCharacterException() : JsonException(NoNul.Message);

internal sealed class NoNulStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? NoNul.Check(reader.GetString()!)
            : throw new JsonException($"Expected a string, not {reader.TokenType}.");

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    // Dictionary keys (rule and transformation parameters) go through these.
    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        NoNul.Check(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);
}

/// <summary>Free-form JSON (rule and transformation parameters): the same refusal, anywhere in the tree.</summary>
internal sealed class NoNulJsonElementConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var element = JsonElement.ParseValue(ref reader);
        Walk(element);
        return element;
    }

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);

    private static void Walk(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                NoNul.Check(element.GetString()!);
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) Walk(item);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    NoNul.Check(property.Name);
                    Walk(property.Value);
                }
                break;
        }
    }
}
