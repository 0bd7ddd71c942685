using System.Text.Json;
using MongoDB.Bson;
using Registry.Core.Common;

namespace Registry.MongoDb.Documents;

/// <summary>How instants, enums and client JSON become BSON values, and back.</summary>
public static class StoredValues
{
    /// <summary>The UTC date (whole milliseconds) and the microseconds beyond it (0–999).</summary>
    public static (DateTime At, int Us) Split(DateTimeOffset value)
    {
        var ticks = value.ToMicroseconds().UtcTicks;
        var msTicks = ticks - ticks % TimeSpan.TicksPerMillisecond;
        return (new DateTime(msTicks, DateTimeKind.Utc), (int)((ticks - msTicks) / 10));
    }

    public static DateTimeOffset Join(DateTime at, int us) =>
        new(DateTime.SpecifyKind(at, DateTimeKind.Utc).Ticks + us * 10L, TimeSpan.Zero);

    public static DateTimeOffset? Join(DateTime? at, int? us) => at is { } a ? Join(a, us ?? 0) : null;

    public static string Wire<TEnum>(TEnum value) where TEnum : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static TEnum Parse<TEnum>(string value) where TEnum : struct, Enum =>
        Enum.Parse<TEnum>(value.Replace("_", "", StringComparison.Ordinal), ignoreCase: true);

    /// <summary>
    /// Client JSON (rule and transformation parameters) as BSON, keeping key order and every digit: integers that fit
    /// are Int32/Int64, any other number Decimal128 parsed from the client's text (a double would turn 0.1 into
    /// 0.1000000000000000055…, and 1.50 into 1.5).
    /// </summary>
    public static BsonValue ToBson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new BsonDocument(element.EnumerateObject().Select(p => new BsonElement(p.Name, ToBson(p.Value)))),
        JsonValueKind.Array => new BsonArray(element.EnumerateArray().Select(ToBson)),
        JsonValueKind.String => new BsonString(element.GetString()),
        JsonValueKind.True => BsonBoolean.True,
        JsonValueKind.False => BsonBoolean.False,
        JsonValueKind.Null => BsonNull.Value,
        JsonValueKind.Number when element.TryGetInt32(out var i) && IsIntegerText(element) => new BsonInt32(i),
        JsonValueKind.Number when element.TryGetInt64(out var l) && IsIntegerText(element) => new BsonInt64(l),
        JsonValueKind.Number when Decimal128.TryParse(element.GetRawText(), out var d) => new BsonDecimal128(d),
        JsonValueKind.Number => new BsonDouble(element.GetDouble()),
        _ => throw new ArgumentException($"Unsupported JSON value kind {element.ValueKind}."),
    };

    public static BsonDocument ToBson(IReadOnlyDictionary<string, JsonElement> parameters) =>
        new(parameters.Select(p => new BsonElement(p.Key, ToBson(p.Value))));

    public static IReadOnlyDictionary<string, JsonElement> ToJsonMap(BsonDocument document)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var element in document) result[element.Name] = ToJson(element.Value);
        return result;
    }

    public static JsonElement ToJson(BsonValue value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, value);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    private static void Write(Utf8JsonWriter w, BsonValue value)
    {
        switch (value.BsonType)
        {
            case BsonType.Document:
                w.WriteStartObject();
                foreach (var e in value.AsBsonDocument)
                {
                    w.WritePropertyName(e.Name);
                    Write(w, e.Value);
                }
                w.WriteEndObject();
                break;
            case BsonType.Array:
                w.WriteStartArray();
                foreach (var item in value.AsBsonArray) Write(w, item);
                w.WriteEndArray();
                break;
            case BsonType.String: w.WriteStringValue(value.AsString); break;
            case BsonType.Boolean: w.WriteBooleanValue(value.AsBoolean); break;
            case BsonType.Null: w.WriteNullValue(); break;
            case BsonType.Int32: w.WriteNumberValue(value.AsInt32); break;
            case BsonType.Int64: w.WriteNumberValue(value.AsInt64); break;
            case BsonType.Double: w.WriteNumberValue(value.AsDouble); break;
            case BsonType.Decimal128: w.WriteRawValue(value.AsDecimal128.ToString(), skipInputValidation: false); break;
            default: w.WriteStringValue(value.ToString()); break; // written by hand in the shell: kept readable
        }
    }

    private static bool IsIntegerText(JsonElement number)
    {
        var raw = number.GetRawText();
        return raw.IndexOfAny(['.', 'e', 'E']) < 0 && !(raw.StartsWith('-') && raw.TrimStart('-').All(c => c == '0'));
    }
}
