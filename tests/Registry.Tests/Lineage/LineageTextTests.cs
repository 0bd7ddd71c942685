using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Lineage;

/// <summary>GET …/lineage?format=mermaid|dot: the JSON answer's graph as text, valid whatever the owners are called.</summary>
public sealed partial class LineageTextTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>Every statement the Mermaid renderer may write; a label that escaped its quotes would match none.</summary>
    [GeneratedRegex("""^(flowchart LR|    (n\d+)\["([^"\r\n]*)"\]|    (n\d+) --> (n\d+)|    classDef [a-z]+ [a-z:#0-9,. -]+|    class (n\d+(,n\d+)*) [a-z]+)$""")]
    private static partial Regex MermaidLine();

    /// <summary>DOT statements of the renderer: quoted strings are "…" with only \" and \\ (and \n) escapes inside.</summary>
    private const string DotQuoted = """
        "(?:[^"\\\r\n]|\\["\\n])*"
        """;

    private static readonly Regex DotNode = new($"""^    (n\d+) \[label=({DotQuoted}), fillcolor=({DotQuoted}), color=({DotQuoted}), style=({DotQuoted})(, penwidth=3)?\];$""");
    private static readonly Regex DotEdge = new(@"^    (n\d+) -> (n\d+);$");

    private async Task<(string Text, string? MediaType)> Text(string name, string query)
    {
        var response = await _client.GetAsync($"{FeatureApi.Url}/{name}/lineage{query}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        return (text, response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<JsonNode> Json(string name, string query) =>
        (await (await _client.GetAsync($"{FeatureApi.Url}/{name}/lineage{query}")).ExpectAsync(200))!;

    /// <summary>Parses the Mermaid text strictly: node labels (decoded) by id, and edges as (from, to) ids.</summary>
    private static (Dictionary<string, string> Labels, List<(string, string)> Edges, List<string> Classes) ParseMermaid(string text)
    {
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal("flowchart LR", lines[0]);
        var labels = new Dictionary<string, string>();
        var edges = new List<(string, string)>();
        var classes = new List<string>();
        foreach (var line in lines)
        {
            var match = MermaidLine().Match(line);
            Assert.True(match.Success, $"not a statement the renderer writes: {line}");
            if (match.Groups[2].Success) labels.Add(match.Groups[2].Value, MermaidDecode(match.Groups[3].Value));
            if (match.Groups[4].Success) edges.Add((match.Groups[4].Value, match.Groups[5].Value));
            if (line.StartsWith("    class ", StringComparison.Ordinal)) classes.Add(line.Trim());
        }
        return (labels, edges, classes);
    }

    private static string MermaidDecode(string label) =>
        Regex.Replace(label, @"#(\d+);", m => char.ConvertFromUtf32(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));

    private static (Dictionary<string, string> Labels, List<(string, string)> Edges, string Asked) ParseDot(string text)
    {
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal("digraph lineage {", lines[0]);
        Assert.Equal("    rankdir=LR;", lines[1]);
        Assert.Equal("""    node [shape=box, style="rounded,filled", fontname="sans-serif"];""", lines[2]);
        Assert.Equal("}", lines[^1]);
        var labels = new Dictionary<string, string>();
        var edges = new List<(string, string)>();
        var asked = "";
        foreach (var line in lines[3..^1])
        {
            if (DotNode.Match(line) is { Success: true } node)
            {
                labels.Add(node.Groups[1].Value, DotDecode(node.Groups[2].Value));
                if (node.Groups[6].Success) asked = node.Groups[1].Value;
            }
            else if (DotEdge.Match(line) is { Success: true } edge) edges.Add((edge.Groups[1].Value, edge.Groups[2].Value));
            else Assert.Fail($"not a statement the renderer writes: {line}");
        }
        return (labels, edges, asked);
    }

    private static string DotDecode(string quoted)
    {
        var text = new StringBuilder();
        for (var i = 1; i < quoted.Length - 1; i++)
        {
            if (quoted[i] != '\\') { text.Append(quoted[i]); continue; }
            var next = quoted[++i];
            text.Append(next == 'n' ? '\n' : next);
        }
        return text.ToString();
    }

    private static string NameOf(string label) => label.Split([" · ", "\n"], StringSplitOptions.None)[0];

    [Fact]
    public async Task Mermaid_is_the_json_graph_with_the_asked_feature_first_and_highlighted()
    {
        await _client.CreateAsync("lt_prices");
        await _client.CreateAsync("lt_returns", "lt_prices");
        await _client.CreateAsync("lt_vol", "lt_returns");
        await _client.CreateAsync("lt_risk", "lt_vol", "lt_prices");
        await _client.ActivateAsync("lt_prices");
        await _client.ActivateAsync("lt_returns");
        await (await _client.PostAsync($"{FeatureApi.Url}/lt_vol/deprecate", null)).ExpectAsync(200);

        const string query = "?recursive=true&direction=both";
        var json = await Json("lt_returns", query);
        var (text, mediaType) = await Text("lt_returns", query + "&format=mermaid");

        Assert.Equal("text/plain", mediaType);
        var (labels, edges, classes) = ParseMermaid(text);
        var names = labels.ToDictionary(l => l.Key, l => NameOf(l.Value));
        Assert.Equal("lt_returns", names["n0"]);
        var expectedNodes = json["nodes"]!.AsArray().Select(n => (string)n!["feature_name"]!).Append("lt_returns").ToHashSet();
        Assert.Equal(expectedNodes, names.Values.ToHashSet());
        Assert.Equal(names.Count, names.Values.Distinct().Count()); // each feature once, whether or not the JSON lists the root
        var expectedEdges = json["edges"]!.AsArray().Select(e => ((string)e!["from"]!, (string)e!["to"]!)).ToHashSet();
        Assert.Equal(expectedEdges, edges.Select(e => (names[e.Item1], names[e.Item2])).ToHashSet());
        Assert.Equal("lt_returns · 1.0.0 · active · quant-team", labels["n0"]);

        var id = names.ToDictionary(n => n.Value, n => n.Key);
        Assert.Contains($"class n0 asked", classes);
        Assert.Contains(classes, c => c.EndsWith(" deprecated", StringComparison.Ordinal) && c.Split(' ')[1].Split(',').Contains(id["lt_vol"]));
        Assert.Contains(classes, c => c.EndsWith(" draft", StringComparison.Ordinal) && c.Split(' ')[1].Split(',').Contains(id["lt_risk"]));
    }

    [Fact]
    public async Task Dot_takes_the_same_parameters_and_gives_the_same_graph()
    {
        await _client.CreateAsync("ld_a");
        await _client.CreateAsync("ld_b", "ld_a");
        await _client.CreateAsync("ld_c", "ld_b");
        await _client.CreateAsync("ld_d", "ld_c");

        const string query = "?recursive=true&direction=upstream&depth=2";
        var json = await Json("ld_d", query);
        var (text, mediaType) = await Text("ld_d", query + "&format=dot");

        Assert.Equal("text/vnd.graphviz", mediaType);
        var (labels, edges, asked) = ParseDot(text);
        var names = labels.ToDictionary(l => l.Key, l => NameOf(l.Value));
        Assert.Equal("n0", asked);
        Assert.Equal("ld_d", names["n0"]);
        Assert.Equal(new HashSet<string> { "ld_d", "ld_c", "ld_b" }, names.Values.ToHashSet()); // depth 2: not ld_a
        var expectedEdges = json["edges"]!.AsArray().Select(e => ((string)e!["from"]!, (string)e!["to"]!)).ToHashSet();
        Assert.Equal(expectedEdges, edges.Select(e => (names[e.Item1], names[e.Item2])).ToHashSet());
        Assert.Equal("ld_d\n1.0.0 · draft\nquant-team", labels["n0"]);
    }

    [Fact]
    public async Task A_lone_feature_is_one_node_and_no_edge()
    {
        await _client.CreateAsync("ll_alone");
        var (labels, edges, _) = ParseMermaid((await Text("ll_alone", "?format=mermaid")).Text);
        Assert.Equal(["n0"], labels.Keys);
        Assert.Empty(edges);
        var dot = ParseDot((await Text("ll_alone", "?format=dot")).Text);
        Assert.Equal(["n0"], dot.Labels.Keys);
        Assert.Empty(dot.Edges);
    }

    [Theory]
    [InlineData("\"]; n0 --> evil[\"x\" %% click n0 call alert(1)")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("a\\\" -> evil; \\N \\G }\ndigraph x {")]
    [InlineData("end graph subgraph ; ]] )) {{ # &amp; #quot; 😀")]
    public async Task Hostile_owners_stay_inside_their_labels_in_both_formats(string owner)
    {
        var name = "lh_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(owner)))[..12];
        await _client.CreateAsync(FeatureApi.Minimal(name + "_up", owner: owner));
        var down = FeatureApi.Minimal(name, owner: owner);
        down["upstream_features"] = new JsonArray(name + "_up");
        await _client.CreateAsync(down);

        var mermaid = ParseMermaid((await Text(name, "?format=mermaid")).Text);
        Assert.Equal(2, mermaid.Labels.Count);
        Assert.All(mermaid.Labels.Values, label => Assert.EndsWith(" · " + owner, label, StringComparison.Ordinal));
        Assert.Equal([("n1", "n0")], mermaid.Edges);

        var dot = ParseDot((await Text(name, "?format=dot")).Text);
        Assert.Equal(2, dot.Labels.Count);
        Assert.All(dot.Labels.Values, label => Assert.EndsWith("\n" + owner, label, StringComparison.Ordinal));
        Assert.Equal([("n1", "n0")], dot.Edges);
    }

    [Fact]
    public async Task An_unknown_format_is_a_400_naming_the_allowed_ones_and_a_bad_walk_stays_a_400()
    {
        await _client.CreateAsync("lf_one");
        var problem = (await (await _client.GetAsync($"{FeatureApi.Url}/lf_one/lineage?format=svg")).ExpectAsync(400))!;
        Assert.Contains("json, mermaid, dot", (string)problem["errors"]!["format"]![0]!);

        await (await _client.GetAsync($"{FeatureApi.Url}/lf_one/lineage?format=dot&recursive=true&depth=0")).ExpectAsync(400);
        await (await _client.GetAsync($"{FeatureApi.Url}/lf_nothing/lineage?format=mermaid")).ExpectAsync(404);
    }

    [Fact]
    public async Task The_document_declares_the_text_answers()
    {
        var doc = JsonNode.Parse(await _client.GetStringAsync("/swagger/v1/swagger.json"))!;
        var ok = doc["paths"]!["/api/v1/features/{feature_name}/lineage"]!["get"]!["responses"]!["200"]!["content"]!.AsObject();
        Assert.Equal(["application/json", "text/plain", "text/vnd.graphviz"], ok.Select(c => c.Key).Order());
        Assert.Equal("string", (string)ok["text/plain"]!["schema"]!["type"]!);
        Assert.StartsWith("flowchart LR", (string)ok["text/plain"]!["example"]!);
        Assert.StartsWith("digraph lineage {", (string)ok["text/vnd.graphviz"]!["example"]!);
        var format = doc["paths"]!["/api/v1/features/{feature_name}/lineage"]!["get"]!["parameters"]!.AsArray()
            .Single(p => (string)p!["name"]! == "format")!;
        // A reference, or (with a description or default beside it) a one-schema allOf around it.
        var reference = format["schema"]!["$ref"] ?? format["schema"]!["allOf"]?[0]?["$ref"];
        var schema = reference is not null ? doc["components"]!["schemas"]![((string)reference!).Split('/')[^1]]! : format["schema"]!;
        Assert.Equal(["dot", "json", "mermaid"], schema["enum"]!.AsArray().Select(v => (string)v!).Order());
    }
}
