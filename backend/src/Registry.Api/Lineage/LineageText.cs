using System.Globalization;
using System.Text;
using Registry.Core.Features;
using Registry.Core.Lineage;

namespace Registry.Api.Lineage;

/// <summary>The answer's shape: JSON (default), or the same graph as text for docs and IDE previews.</summary>
public enum LineageFormat { Json, Mermaid, Dot }

/// <summary>
/// Lineage as Mermaid or Graphviz DOT: the nodes and edges of the JSON answer, plus the feature asked about, highlighted.
/// Node ids are generated (<c>n0</c>, <c>n1</c>, …), never taken from names (a feature called <c>end</c> or <c>graph</c>
/// would be a keyword), and every label is escaped, so hostile owners or versions cannot break out of their string.
/// </summary>
public static class LineageText
{
    /// <summary>Mermaid has no registered media type; plain text is what browsers and IDEs show as is.</summary>
    public const string MermaidMediaType = "text/plain";

    /// <summary>Graphviz's registered media type.</summary>
    public const string DotMediaType = "text/vnd.graphviz";

    /// <summary>The status classes, coloured as the registry browser colours them.</summary>
    private static readonly (FeatureStatus Status, string Fill, string Stroke, string Dash)[] StatusStyles =
    [
        (FeatureStatus.Draft, "#f3f4f6", "#6b7280", ""),
        (FeatureStatus.Active, "#dcfce7", "#15803d", ""),
        (FeatureStatus.Deprecated, "#fef3c7", "#b45309", "5 3"),
        (FeatureStatus.Archived, "#e5e7eb", "#374151", "2 2"),
    ];

    public static string Mermaid(LineageResult lineage)
    {
        var (nodes, edges) = Graph(lineage);
        var text = new StringBuilder();
        text.Append("flowchart LR\n");
        foreach (var (node, id) in nodes)
            text.Append("    ").Append(id).Append("[\"").Append(MermaidEscape(Label(node, " · "))).Append("\"]\n");
        foreach (var (from, to) in edges) text.Append("    ").Append(from).Append(" --> ").Append(to).Append('\n');
        foreach (var (status, fill, stroke, dash) in StatusStyles)
        {
            text.Append("    classDef ").Append(StatusName(status)).Append(" fill:").Append(fill).Append(",stroke:").Append(stroke);
            if (dash.Length > 0) text.Append(",stroke-dasharray:").Append(dash); // Mermaid separates properties by commas: spaces here
            text.Append('\n');
        }
        text.Append("    classDef asked stroke-width:4px\n");
        foreach (var group in nodes.GroupBy(n => n.Node.Status).OrderBy(g => g.Key))
            text.Append("    class ").Append(string.Join(',', group.Select(n => n.Id))).Append(' ').Append(StatusName(group.Key)).Append('\n');
        text.Append("    class ").Append(nodes[0].Id).Append(" asked\n");
        return text.ToString();
    }

    public static string Dot(LineageResult lineage)
    {
        var (nodes, edges) = Graph(lineage);
        var text = new StringBuilder();
        text.Append("digraph lineage {\n");
        text.Append("    rankdir=LR;\n");
        text.Append("    node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\"];\n");
        foreach (var (node, id) in nodes)
        {
            var (_, fill, stroke, dash) = StatusStyles.First(s => s.Status == node.Status);
            var style = dash.Length > 0 ? "rounded,filled,dashed" : "rounded,filled";
            text.Append("    ").Append(id)
                .Append(" [label=").Append(DotString(Label(node, "\n")))
                .Append(", fillcolor=").Append(DotString(fill))
                .Append(", color=").Append(DotString(stroke))
                .Append(", style=").Append(DotString(style));
            if (ReferenceEquals(node, nodes[0].Node)) text.Append(", penwidth=3");
            text.Append("];\n");
        }
        foreach (var (from, to) in edges) text.Append("    ").Append(from).Append(" -> ").Append(to).Append(";\n");
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>
    /// The feature asked about first (whether or not the walk listed it), then every node once in the answer's order,
    /// each with its generated id; edges by those ids. An edge naming a feature absent from the nodes still gets one.
    /// </summary>
    private static (List<(LineageNode Node, string Id)> Nodes, List<(string From, string To)> Edges) Graph(LineageResult lineage)
    {
        var feature = lineage.Feature;
        var nodes = new List<(LineageNode Node, string Id)>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(lineage.Graph.Nodes.FirstOrDefault(n => n.FeatureName == feature.FeatureName)
            ?? new LineageNode(feature.FeatureName, feature.Status, feature.Owner, feature.CurrentVersion, 0, LineageSide.Root));
        foreach (var node in lineage.Graph.Nodes) Add(node);
        var edges = lineage.Graph.Edges.Select(e => (Id(e.Upstream), Id(e.Downstream))).Distinct().ToList();
        return (nodes, edges);

        void Add(LineageNode node)
        {
            if (ids.ContainsKey(node.FeatureName)) return;
            var id = "n" + nodes.Count.ToString(CultureInfo.InvariantCulture);
            ids[node.FeatureName] = id;
            nodes.Add((node, id));
        }

        string Id(string name)
        {
            // Only reachable if the walk returned an edge to a node it did not list; drawn without status rather than dropped.
            if (!ids.ContainsKey(name)) Add(new LineageNode(name, FeatureStatus.Draft, "", "", -1, LineageSide.Upstream));
            return ids[name];
        }
    }

    private static string Label(LineageNode node, string separator)
    {
        var label = new StringBuilder(node.FeatureName);
        if (node.CurrentVersion.Length > 0) label.Append(separator).Append(node.CurrentVersion).Append(" · ").Append(StatusName(node.Status));
        if (node.Owner.Length > 0) label.Append(separator).Append(node.Owner);
        return label.ToString();
    }

    private static string StatusName(FeatureStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>
    /// Inside a quoted Mermaid label, everything but letters, digits, space, '.', '_' and '-' becomes an entity code
    /// (<c>#34;</c>), which Mermaid decodes for display: quotes, brackets, '%%', '&lt;' and newlines stay text.
    /// </summary>
    internal static string MermaidEscape(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.IsAscii && (Rune.IsLetterOrDigit(rune) || rune.Value is ' ' or '.' or '_' or '-')) text.Append((char)rune.Value);
            else if (rune.Value == '·') text.Append('·');
            else text.Append('#').Append(rune.Value.ToString(CultureInfo.InvariantCulture)).Append(';');
        }
        return text.ToString();
    }

    /// <summary>
    /// A DOT quoted string: '"' and '\' are escaped (so a backslash can never start one of Graphviz's label escapes such
    /// as \N or \G), a newline becomes the label's line break, other control characters are dropped.
    /// </summary>
    internal static string DotString(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                default:
                    if (!char.IsControl(c)) text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }
}
