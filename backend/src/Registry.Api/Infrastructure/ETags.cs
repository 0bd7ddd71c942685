using Microsoft.Net.Http.Headers;
using Registry.Core.Common;

namespace Registry.Api.Infrastructure;

/// <summary>
/// A resource's state as a strong ETag, and If-Match back to that state: a revision ("3") for features and API keys,
/// the current version ("1.2.0") for a feature set, whose only change is publishing a greater version.
/// </summary>
internal static class ETags
{
    public static void SetETag(this HttpResponse response, int revision) => response.SetETag(revision.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static void SetETag(this HttpResponse response, string tag) =>
        response.Headers.ETag = new EntityTagHeaderValue($"\"{tag}\"").ToString();

    /// <summary>null when the header is absent or '*'; a 400 when it is not one of our ETags.</summary>
    public static int? IfMatchRevision(this HttpRequest request) =>
        request.IfMatchTag() is not { } tag ? null
        : int.TryParse(tag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var revision) && revision > 0 ? revision
        : throw NotOurs();

    /// <summary>The opaque value of If-Match (without quotes); null when the header is absent or '*'.</summary>
    public static string? IfMatchTag(this HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header) || header.Trim() == "*") return null;
        var value = header.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        if (value.Length > 2 && value[0] == '"' && value[^1] == '"' && !value[1..^1].Contains('"', StringComparison.Ordinal)) return value[1..^1];
        throw NotOurs();
    }

    private static InvalidInputException NotOurs() =>
        InvalidInputException.For("If-Match", "If-Match must be an ETag returned by this API, e.g. \"3\".");
}
