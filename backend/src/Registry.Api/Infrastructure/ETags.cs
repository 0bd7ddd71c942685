using Microsoft.Net.Http.Headers;
using Registry.Core.Common;

namespace Registry.Api.Infrastructure;

/// <summary>The revision of a resource as a strong ETag ("3"), and If-Match back to a revision.</summary>
internal static class ETags
{
    public static void SetETag(this HttpResponse response, int revision) =>
        response.Headers.ETag = new EntityTagHeaderValue($"\"{revision}\"").ToString();

    /// <summary>null when the header is absent or '*'; a 400 when it is not one of our ETags.</summary>
    public static int? IfMatchRevision(this HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header) || header.Trim() == "*") return null;
        var value = header.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        if (value.Length > 2 && value[0] == '"' && value[^1] == '"' && int.TryParse(value[1..^1], out var revision) && revision > 0)
            return revision;
        throw InvalidInputException.For("If-Match", "If-Match must be an ETag returned by this API, e.g. \"3\".");
    }
}
