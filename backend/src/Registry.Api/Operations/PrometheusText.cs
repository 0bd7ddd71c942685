using System.Globalization;
using System.Text;

namespace Registry.Api.Operations;

public enum MetricKind { Counter, Gauge, Histogram }

/// <summary>
/// The Prometheus text exposition format (version 0.0.4): metric and label names, escaping, and one family's lines.
/// prometheus-net and the OpenTelemetry exporter cannot be restored here; the format is small enough to write.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// An OpenTelemetry instrument name as Prometheus spells it: characters outside [a-zA-Z0-9_:] become '_', the unit
    /// becomes a suffix (s → _seconds, By → _bytes; annotations such as {row} add nothing), counters end in _total.
    /// </summary>
    public static string MetricName(string instrument, string? unit, MetricKind kind)
    {
        var name = Sanitize(instrument, allowColon: true);
        var suffix = unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "1" => "ratio",
            _ => "",
        };
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal)) name += "_" + suffix;
        if (kind == MetricKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
        return name;
    }

    /// <summary>A tag name as a label name: [a-zA-Z_][a-zA-Z0-9_]*.</summary>
    public static string LabelName(string tag) => Sanitize(tag, allowColon: false);

    /// <summary>A label value between double quotes: backslash, double quote and line feed are escaped.</summary>
    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", @"\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);

    /// <summary>HELP text: backslash and line feed are escaped (a double quote is not).</summary>
    public static string EscapeHelp(string text) =>
        text.Replace("\\", @"\\", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);

    /// <summary>label="value" pairs sorted by name, comma-separated, without braces (empty for no labels).</summary>
    public static string Labels(IEnumerable<KeyValuePair<string, string>> labels) =>
        string.Join(',', labels
            .Select(l => (Name: LabelName(l.Key), l.Value))
            .OrderBy(l => l.Name, StringComparer.Ordinal)
            .Select(l => $"{l.Name}=\"{EscapeLabelValue(l.Value)}\""));

    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    public static void WriteHeader(StringBuilder text, string name, string? help, MetricKind kind)
    {
        if (!string.IsNullOrEmpty(help)) text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(kind switch
        {
            MetricKind.Counter => "counter",
            MetricKind.Gauge => "gauge",
            _ => "histogram",
        }).Append('\n');
    }

    /// <summary>One sample line: name{labels} value. <paramref name="labels"/> is the output of <see cref="Labels"/>.</summary>
    public static void WriteSample(StringBuilder text, string name, string labels, double value, string? extraLabel = null)
    {
        text.Append(name);
        if (labels.Length > 0 || extraLabel is not null)
        {
            text.Append('{').Append(labels);
            if (extraLabel is not null) text.Append(labels.Length > 0 ? "," : "").Append(extraLabel);
            text.Append('}');
        }
        text.Append(' ').Append(Number(value)).Append('\n');
    }

    /// <summary>A histogram's series: cumulative _bucket lines (le ascending, then +Inf), _sum and _count.</summary>
    public static void WriteHistogram(StringBuilder text, string name, string labels, IReadOnlyList<double> bounds, IReadOnlyList<long> bucketCounts, double sum, long count)
    {
        long cumulative = 0;
        for (var i = 0; i < bounds.Count; i++)
        {
            cumulative += bucketCounts[i];
            WriteSample(text, name + "_bucket", labels, cumulative, $"le=\"{Number(bounds[i])}\"");
        }
        WriteSample(text, name + "_bucket", labels, count, "le=\"+Inf\"");
        WriteSample(text, name + "_sum", labels, sum);
        WriteSample(text, name + "_count", labels, count);
    }

    private static string Sanitize(string name, bool allowColon)
    {
        var text = new StringBuilder(name.Length + 1);
        foreach (var c in name)
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        if (text.Length == 0 || char.IsAsciiDigit(text[0])) text.Insert(0, '_');
        return text.ToString();
    }
}
