using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using MapsterMapper;
using Microsoft.Extensions.Options;
using Registry.Api.Infrastructure;
using Registry.Core.Features;

namespace Registry.Api.Features;

/// <summary>
/// Each definition's <see cref="FeatureResponse"/> as JSON, kept with the definition instance it was made from (ADR 0052).
/// A definition is an immutable record and the definition cache hands out one instance until the feature changes, so the
/// bytes can never describe another state; the memory goes when the instance does. Lists of 50 definitions spent most of
/// their time mapping and serializing the same definitions again.
/// </summary>
public sealed class FeatureResponseJson(IMapper mapper, IOptions<Microsoft.AspNetCore.Mvc.JsonOptions> json)
{
    private readonly ConditionalWeakTable<FeatureDefinition, byte[]> _written = [];
    private readonly JsonSerializerOptions _options = json.Value.JsonSerializerOptions;

    public byte[] Of(FeatureDefinition definition) =>
        _written.GetValue(definition, d => JsonSerializer.SerializeToUtf8Bytes(mapper.Map<FeatureResponse>(d), _options));
}

/// <summary>A page of features on the wire: <see cref="FeatureListResponse"/>'s shape, each item already written.</summary>
[JsonConverter(typeof(FeatureListAnswerJsonConverter))]
public sealed class FeatureListAnswer(IReadOnlyList<byte[]> features, long total, int skip, int limit)
{
    public IReadOnlyList<byte[]> Features { get; } = features;
    public long Total { get; } = total;
    public int Skip { get; } = skip;
    public int Limit { get; } = limit;
}

public sealed class FeatureListAnswerJsonConverter : AnswerJsonConverter<FeatureListAnswer>
{
    private static readonly JsonEncodedText Features = JsonEncodedText.Encode("features");
    private static readonly JsonEncodedText Total = JsonEncodedText.Encode("total");
    private static readonly JsonEncodedText Skip = JsonEncodedText.Encode("skip");
    private static readonly JsonEncodedText Limit = JsonEncodedText.Encode("limit");

    public override void Write(Utf8JsonWriter writer, FeatureListAnswer value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteStartArray(Features);
        foreach (var feature in value.Features) writer.WriteRawValue(feature, skipInputValidation: true);
        writer.WriteEndArray();
        writer.WriteNumber(Total, value.Total);
        writer.WriteNumber(Skip, value.Skip);
        writer.WriteNumber(Limit, value.Limit);
        writer.WriteEndObject();
    }
}
