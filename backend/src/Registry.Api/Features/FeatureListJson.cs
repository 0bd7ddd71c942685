using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using MapsterMapper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
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

/// <summary>
/// A page of features on the wire, in <see cref="FeatureListResponse"/>'s shape, each item already written: the action's
/// result writes the page to the body with its length (ADR 0056), without the serializer or the output formatter.
/// </summary>
public sealed class FeatureListAnswer(IReadOnlyList<byte[]> features, long total, int skip, int limit) : ActionResult
{
    public IReadOnlyList<byte[]> Features { get; } = features;
    public long Total { get; } = total;
    public int Skip { get; } = skip;
    public int Limit { get; } = limit;

    public override Task ExecuteResultAsync(ActionContext context)
    {
        var tail = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"],\"total\":{Total},\"skip\":{Skip},\"limit\":{Limit}}}"));
        long length = Head.Length + tail.Length + Math.Max(0, Features.Count - 1);
        foreach (var feature in Features) length += feature.Length;

        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = length;
        var body = response.BodyWriter;
        body.Write(Head);
        for (var i = 0; i < Features.Count; i++)
        {
            if (i > 0) body.Write(","u8);
            body.Write(Features[i]);
        }
        body.Write(tail);
        return body.FlushAsync(context.HttpContext.RequestAborted).AsTask();
    }

    private static ReadOnlySpan<byte> Head => "{\"features\":["u8;
}
