using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Registry.Api.Operations;

/// <summary>Request body limits (configuration section <c>Limits</c>).</summary>
public sealed class RequestLimits
{
    public const string Section = "Limits";

    /// <summary>Every request except bulk ones: Kestrel's own default, 30 MB.</summary>
    public long MaxBodyBytes { get; set; } = 30_000_000;

    /// <summary>Bulk value ingest and training-label uploads (actions marked <see cref="BulkRequestBodyAttribute"/>): 4 GiB.</summary>
    public long MaxIngestBodyBytes { get; set; } = 4L << 30;
}

/// <summary>The action reads a bulk body (values, label files): <see cref="RequestLimits.MaxIngestBodyBytes"/> applies instead of the default.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BulkRequestBodyAttribute : Attribute;

/// <summary>A body over its limit: a 413 whose message names the limit and the setting that raises it.</summary>
public sealed class RequestBodyTooLargeException(long limit, string setting)
    : BadHttpRequestException($"The request body is larger than {limit} bytes, the limit set by {setting}.", StatusCodes.Status413PayloadTooLarge)
{
    public long Limit { get; } = limit;

    public string Setting { get; } = setting;
}

/// <summary>
/// Enforces the body limit of the endpoint the request was routed to. It is applied here rather than by the server so
/// that the limit is configurable per kind of endpoint, holds for chunked bodies, and behaves the same under Kestrel
/// and the in-memory test server: a declared Content-Length over the limit is refused before anything is read; a body
/// that grows past it fails the read that crosses it (an ingest then writes nothing, its transaction never commits).
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<RequestLimits> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limits = options.Value;
        var (limit, setting) = context.GetEndpoint()?.Metadata.GetMetadata<BulkRequestBodyAttribute>() is null
            ? (limits.MaxBodyBytes, "Limits:MaxBodyBytes")
            : (limits.MaxIngestBodyBytes, "Limits:MaxIngestBodyBytes");
        // Kestrel's own limit (30 MB for every request) would otherwise cut bulk bodies short with its own wording.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } server) server.MaxRequestBodySize = null;
        if (context.Request.ContentLength > limit) throw new RequestBodyTooLargeException(limit, setting);
        context.Request.Body = new LimitedReadStream(context.Request.Body, limit, setting);
        return next(context);
    }
}

/// <summary>A read-only view of a body that throws <see cref="RequestBodyTooLargeException"/> once more than the limit has been read.</summary>
internal sealed class LimitedReadStream(Stream inner, long limit, string setting) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    private int Count(int n)
    {
        _read += n;
        if (_read > limit) throw new RequestBodyTooLargeException(limit, setting);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
