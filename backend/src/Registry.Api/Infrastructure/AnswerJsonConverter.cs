using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Api.Infrastructure;

/// <summary>
/// A converter for an answer written by hand in its documented record's shape (ADR 0052): answers are never read back,
/// so reading one is refused rather than half supported.
/// </summary>
public abstract class AnswerJsonConverter<T> : JsonConverter<T>
{
    public sealed override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException($"{typeof(T).Name} is an answer, never a request body.");
}
