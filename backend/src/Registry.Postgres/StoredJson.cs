using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Postgres;

/// <summary>How jsonb columns are written: independent of the wire format, snake_case for psql readers.</summary>
internal static class StoredJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Wire<TEnum>(TEnum value) where TEnum : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static TEnum Parse<TEnum>(string value) where TEnum : struct, Enum =>
        Enum.Parse<TEnum>(value.Replace("_", "", StringComparison.Ordinal), ignoreCase: true);
}
