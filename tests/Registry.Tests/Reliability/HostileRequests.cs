using System.Text;
using System.Text.Json.Nodes;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Reliability;

/// <summary>One generated request: which operation, what was made hostile, and the request itself.</summary>
public sealed record HostileRequest(string Operation, string Mutation, HttpMethod Method, string Url, string? ContentType, byte[]? Body)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(Method, Url);
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (!string.IsNullOrEmpty(ContentType)) message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }
        return message;
    }

    public override string ToString() => $"{Operation} [{Mutation}] {Method} {(Url.Length > 160 ? Url[..160] + "…" : Url)}";
}

/// <summary>
/// Malformed and hostile requests for every operation of the live OpenAPI document, so that an endpoint added later
/// is covered without touching this file. Each request changes one thing of an otherwise valid request (a path
/// parameter, a query parameter, or the body) into something the API must refuse: SQL-shaped identifiers, huge
/// strings, control characters, unusual Unicode, invalid SemVer, wrong types, numeric overflow, unknown and missing
/// fields, deep nesting, invalid UTF-8, wrong content types, oversized bodies.
/// </summary>
public sealed class HostileRequests(JsonNode document, long maxBodyBytes, long maxIngestBodyBytes)
{
    /// <summary>Valid values for path (and a few required query) parameters, by name: the seeded registry's.</summary>
    private static readonly Dictionary<string, string> Valid = new()
    {
        ["feature_name"] = RegistrySeed.Rsi,
        ["feature_set_name"] = RegistrySeed.FeatureSet,
        ["version"] = "1.0.0",
        ["from"] = "1.0.0",
        ["to"] = "1.1.0",
        ["features"] = RegistrySeed.Rsi,
    };

    private static readonly string Huge = new('a', 3_000);

    private static readonly string[] HostileText =
    [
        "'; DROP TABLE features; --",
        "\" OR 1=1 --",
        "x') UNION SELECT usename, passwd FROM pg_shadow --",
        "stock_rsi_14d; DELETE FROM feature_versions",
        "stock_rsi_14d\"; DROP SCHEMA features CASCADE; --",
        "../../../../etc/passwd",
        Huge,
        "nul\0byte",
        "ctl\u0001\u0007\u001b[31m",
        "line\r\nX-Injected: 1",
        "\u202Eevil\u202C",
        "zero\u200Bwidth",
        "𝕗𝕖𝕒𝕥𝕦𝕣𝕖",
        "ＳＴＯＣＫ_ＲＳＩ",
        "e\u0301\u0301\u0301\u0301",
        "🚀🔥💥",
        "\uFEFFbom",
        " ",
        "${jndi:ldap://x/a}",
        "<script>alert(1)</script>",
    ];

    /// <summary>Path segments sent as they are: percent-encodings of invalid UTF-8, traversal, encoded slashes.</summary>
    private static readonly string[] RawSegments = ["%C3%28", "%FF%FE%FD", "%C0%AF", "%ED%A0%80", "..%2F..%2Fetc", "%2e%2e", "%25%32%65"];

    private static readonly string[] HostileVersions =
        ["1", "1.0", "01.0.0", "v1.0.0", "1.0.0.0", "1.0.0-", "1.0.0+", "99999999999999999999.0.0", "-1.0.0", "١.٠.٠", "1.0.0-ü", "*", "latest", "1..0", "1.0.0-01"];

    private static readonly string[] HostileIntegers = ["-1", "2147483648", "-2147483649", "99999999999999999999999", "1e309", "NaN", "0x10", "1.5", "abc", "１２", "", " 1"];

    private static readonly string[] HostileInstants =
        ["yesterday", "2024-13-45T25:61:61Z", "99999-01-01T00:00:00Z", "0000-00-00T00:00:00Z", "-1", "2024-01-01T00:00:00+99:00", "10000-01-01T00:00:00Z", "2024-01-01T00:00:00Z\0"];

    private static readonly string[] HostileBooleans = ["maybe", "2", "yes", "-1", "t"];

    public IEnumerable<HostileRequest> All()
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        foreach (var (method, op) in item!.AsObject())
        {
            var operation = new Operation(path, new HttpMethod(method.ToUpperInvariant()), op!, document);
            var any = false;
            foreach (var request in PathMutations(operation).Concat(QueryMutations(operation)).Concat(BodyMutations(operation)))
            {
                any = true;
                yield return request;
            }
            // An operation that takes no input still gets something hostile: parameters it does not declare.
            if (!any)
                yield return operation.Request("query stray parameters", operation.Url(query: "hostile=%00%27%22%3C&hostile=" + new string('x', 5000)), operation.ValidBody);
        }
    }

    private static IEnumerable<HostileRequest> PathMutations(Operation op)
    {
        foreach (var p in op.Parameters.Where(p => p.In == "path"))
        {
            // Not NUL: Kestrel refuses a path containing %00 itself, before the application (and the test server throws).
            var values = (p.Name is "version" or "from" or "to" ? HostileVersions : []).Concat(HostileText)
                .Where(v => !v.Contains('\0', StringComparison.Ordinal)).Select(Uri.EscapeDataString).Concat(RawSegments);
            foreach (var (value, i) in values.Select((v, i) => (v, i)))
                yield return op.Request($"path {p.Name} #{i}", op.Url(p.Name, value), op.ValidBody);
        }
    }

    private static IEnumerable<HostileRequest> QueryMutations(Operation op)
    {
        foreach (var p in op.Parameters.Where(p => p.In == "query"))
        {
            IEnumerable<string> values = p switch
            {
                { Type: "integer" } => HostileIntegers,
                { Type: "boolean" } => HostileBooleans,
                { Format: "date-time" } => HostileInstants,
                { Enum: { } e } => [.. HostileText.Take(6), e[0].ToUpperInvariant(), e[0] + " ", "1", ""],
                _ when p.Name.Contains("version", StringComparison.Ordinal) => [.. HostileVersions.Take(8), .. HostileText.Take(8)],
                { Name: "max_staleness" } => ["P", "PT", "-P1D", "P99999999999D", "1 day", "stock_rsi_14d:P", ":P1D", .. HostileText.Take(4)],
                _ => HostileText.Where(t => t != " "),
            };
            foreach (var (value, i) in values.Select((v, i) => (v, i)))
                yield return op.Request($"query {p.Name} #{i}", op.Url(query: $"{p.Name}={Uri.EscapeDataString(value)}"), op.ValidBody);
            if (p.Type == "array")
            {
                var many = string.Join('&', Enumerable.Range(0, 2_001).Select(n => $"{p.Name}=e{n}"));
                yield return op.Request($"query {p.Name} x2001", op.Url(query: many), op.ValidBody);
            }
        }
    }

    private IEnumerable<HostileRequest> BodyMutations(Operation op)
    {
        var limit = op.IsBulk ? maxIngestBodyBytes : maxBodyBytes;
        foreach (var (mediaType, example) in op.Bodies)
        {
            var url = op.Url();
            HostileRequest Send(string mutation, byte[] body, string? contentType = null) =>
                op.Request($"{mediaType} {mutation}", url, (contentType ?? mediaType, body));
            HostileRequest SendText(string mutation, string body, string? contentType = null) => Send(mutation, Utf8(body), contentType);

            yield return Send("empty", []);
            yield return Send("oversized", Oversized(mediaType, example, limit));
            foreach (var wrong in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "garbage/ /", "application/json-patch+json" })
                yield return SendText($"content type {wrong}", ExampleText(mediaType, example), wrong);
            yield return Send("no content type", Utf8(ExampleText(mediaType, example)), "");

            if (mediaType == "application/json" && example is JsonObject obj)
            {
                foreach (var literal in new[] { "null", "[]", "42", "\"text\"", "true", "{", "}", "{\"a\":1}}", "{'single': 'quotes'}", "NaN" })
                    yield return SendText($"literal {literal}", literal);
                var text = obj.ToJsonString();
                yield return SendText("truncated", text[..(text.Length / 2)]);
                yield return SendText("trailing garbage", text + "}}");
                yield return SendText("charset utf-16", text, "application/json; charset=utf-16");
                yield return SendText("unknown field", With(obj, o => o["hostile_unknown_field"] = 1));
                var first = obj.First().Key;
                yield return SendText("duplicate key", "{" + $"\"{first}\": \"a\", " + text[1..]);
                yield return SendText("deep nesting", new string('[', 100_000) + new string(']', 100_000));
                yield return SendText("deep nesting in a field", text[..^1] + ", \"deep\": " + new string('{', 0) + string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000) + "}");
                yield return Send("invalid UTF-8 in a string", Splice(text, [0xC3, 0x28]));
                yield return Send("invalid UTF-8 lead byte", [0xFF, 0xFE, .. Utf8(text)]);
                yield return Send("overlong UTF-8", Splice(text, [0xC0, 0xAF]));
                yield return Send("UTF-8 surrogate", Splice(text, [0xED, 0xA0, 0x80]));
                yield return SendText("lone surrogate escape", SpliceText(text, "\\ud800"));
                yield return SendText("escaped NUL", SpliceText(text, "\\u0000"));

                foreach (var (property, value) in obj)
                {
                    yield return SendText($"{property} missing", With(obj, o => o.Remove(property)));
                    yield return SendText($"{property} null", With(obj, o => o[property] = null));
                    foreach (var (kind, wrong) in WrongTypes(value))
                        yield return SendText($"{property} {kind}", With(obj, o => o[property] = wrong));
                }
            }
            else if (mediaType == "text/csv")
            {
                var header = ((string)example!).Split('\n')[0].Trim();
                var columns = header.Split(',');
                string Row(params string[] cells) => string.Join(',', cells);
                var good = ((string)example!).Split('\n')[1].Trim().Split(',');
                foreach (var (mutation, csv) in new (string, string)[]
                         {
                             ("wrong header", "a,b,c\n1,2,3\n"),
                             ("missing column", Row(columns[..^1]) + "\n" + Row(good[..^1]) + "\n"),
                             ("extra column", header + ",extra\n" + Row([.. good, "x"]) + "\n"),
                             ("unbalanced quote", header + "\n\"AAPL," + Row(good[1..]) + "\n"),
                             ("NUL byte", header + "\nAA\0PL," + Row(good[1..]) + "\n"),
                             ("control characters", header + "\n\u0001\u0002," + Row(good[1..]) + "\n"),
                             ("5000 columns", string.Join(',', Enumerable.Range(0, 5_000).Select(i => $"c{i}")) + "\n"),
                             ("bad instant", header + "\n" + Row([good[0], "2024-13-45T25:61:61Z", .. good[2..]]) + "\n"),
                             ("year 99999", header + "\n" + Row([good[0], "99999-01-01T00:00:00Z", .. good[2..]]) + "\n"),
                             ("entity too long", header + "\n" + Row([new string('e', 300), .. good[1..]]) + "\n"),
                             ("injection entity", header + "\n" + Row(["\"=cmd|' /C calc'!A0\"", "not-a-time", .. good[2..]]) + "\n"),
                             ("duplicate rows", header + "\n" + Row(good) + "\n" + Row(good) + "\n"),
                             ("value of the wrong type", columns.Length == 3 ? header + "\n" + Row([good[0], good[1], "not a number"]) + "\n" : "entity_id,ts\nAAPL,not-a-time\n"),
                             ("numeric overflow", columns.Length == 3 ? header + "\n" + Row([good[0], good[1], "1e999"]) + "\n" : "entity_id,ts\nAAPL,99999999999999999999\n"),
                         })
                {
                    yield return SendText(mutation, csv);
                }
                yield return Send("invalid UTF-8", [.. Utf8(header + "\n"), 0xC3, 0x28, .. Utf8("," + Row(good[1..]) + "\n")]);
            }
            else if (mediaType == "application/vnd.apache.parquet")
            {
                yield return Send("random bytes", Enumerable.Range(0, 4_096).Select(i => (byte)(i * 7919 % 251)).ToArray());
                yield return Send("PAR1 magic only", Utf8("PAR1PAR1"));
                var valid = op.IsLabels
                    ? ValueApi.Parquet("SELECT 'AAPL' AS entity_id, TIMESTAMP '2024-01-03 22:00:00' AS ts")
                    : ValueApi.Parquet("SELECT 'AAPL' AS entity_id, TIMESTAMP '2024-01-03 22:00:00' AS event_ts, 50.0 AS value");
                yield return Send("truncated", valid[..(valid.Length / 2)]);
                yield return Send("wrong columns", ValueApi.Parquet("SELECT 1 AS a, 'x' AS b"));
                yield return Send("wrong types", op.IsLabels
                    ? ValueApi.Parquet("SELECT 42 AS entity_id, 'not a time' AS ts")
                    : ValueApi.Parquet("SELECT 42 AS entity_id, 'not a time' AS event_ts, 'abc' AS value"));
                yield return Send("csv labelled parquet", Utf8("entity_id,event_ts,value\nAAPL,2024-01-01T00:00:00Z,1\n"));
            }
        }
    }

    /// <summary>Replacements of a property's value by one of another type, or an extreme one of its own.</summary>
    private static IEnumerable<(string Kind, JsonNode? Value)> WrongTypes(JsonNode? value)
    {
        switch (value)
        {
            case JsonValue v when v.TryGetValue<string>(out _):
                yield return ("number instead of string", 123);
                yield return ("object instead of string", new JsonObject { ["a"] = 1 });
                yield return ("sql injection", "'; DROP TABLE features; --");
                yield return ("NUL", "a\0b");
                yield return ("control characters", "\u0001\u0002\u001b");
                yield return ("bidi and zero width", "\u202Ea\u200Bb");
                yield return ("huge string", new string('x', 100_000));
                break;
            case JsonValue v when v.TryGetValue<bool>(out _):
                yield return ("string instead of boolean", "yes");
                yield return ("number instead of boolean", 1);
                break;
            case JsonValue number:
                yield return ("string instead of number", "abc");
                yield return ("overflow", JsonNode.Parse("1e400"));
                yield return ("negative overflow", JsonNode.Parse("-1e400"));
                if (number.ToJsonString().All(c => char.IsAsciiDigit(c) || c == '-'))
                {
                    yield return ("huge integer", JsonNode.Parse("99999999999999999999999999"));
                    yield return ("fraction instead of integer", 1.5);
                }
                break;
            case JsonArray a:
                yield return ("object instead of array", new JsonObject { ["a"] = 1 });
                yield return ("array of nulls", new JsonArray(null, null));
                yield return ("array of wrong type", new JsonArray(1, true, new JsonArray()));
                yield return ("20000 elements", new JsonArray([.. Enumerable.Range(0, 20_000).Select(i => (JsonNode)$"x{i}")]));
                if (a.FirstOrDefault() is JsonObject element)
                    yield return ("element with unknown field", new JsonArray(Copy(element, o => o["hostile_unknown_field"] = 1)));
                break;
            case JsonObject o:
                yield return ("array instead of object", new JsonArray(1, 2));
                yield return ("string instead of object", "text");
                yield return ("unknown field inside", Copy(o, x => x["hostile_unknown_field"] = 1));
                break;
        }
    }

    private static JsonObject Copy(JsonObject source, Action<JsonObject> change)
    {
        var copy = (JsonObject)source.DeepClone();
        change(copy);
        return copy;
    }

    private static string With(JsonObject source, Action<JsonObject> change) => Copy(source, change).ToJsonString();

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Inserts raw bytes inside the first string value of a JSON text.</summary>
    private static byte[] Splice(string json, byte[] bytes)
    {
        var at = FirstStringValue(json);
        return [.. Utf8(json[..at]), .. bytes, .. Utf8(json[at..])];
    }

    private static string SpliceText(string json, string insert)
    {
        var at = FirstStringValue(json);
        return json[..at] + insert + json[at..];
    }

    /// <summary>The index just after the opening quote of the first string value (after a colon).</summary>
    private static int FirstStringValue(string json)
    {
        var i = json.IndexOf(":\"", StringComparison.Ordinal);
        return i < 0 ? json.Length / 2 : i + 2;
    }

    private static string ExampleText(string mediaType, JsonNode? example) =>
        example is null ? "" : mediaType == "application/json" ? example.ToJsonString() : (string?)example ?? "";

    /// <summary>A body one byte over the limit: valid up to the padding, so only its size is wrong.</summary>
    private static byte[] Oversized(string mediaType, JsonNode? example, long limit)
    {
        var text = ExampleText(mediaType, example);
        var pad = (int)(limit + 1 - Encoding.UTF8.GetByteCount(text));
        if (pad <= 0) return Utf8(text);
        return mediaType == "application/json" ? Utf8(new string(' ', pad) + text) : Utf8(text + new string('\n', pad));
    }

    private sealed record Parameter(string Name, string In, string? Type, string? Format, string[]? Enum);

    private sealed class Operation
    {
        private readonly string _path;

        public Operation(string path, HttpMethod method, JsonNode op, JsonNode document)
        {
            _path = path;
            Method = method;
            Id = (string)op["operationId"]!;
            Parameters = (op["parameters"]?.AsArray() ?? []).Select(p =>
            {
                var schema = Resolve(p!["schema"], document);
                return new Parameter((string)p["name"]!, (string)p["in"]!, (string?)schema?["type"], (string?)schema?["format"],
                    schema?["enum"]?.AsArray().Select(e => (string)e!).ToArray());
            }).ToList();
            Bodies = (op["requestBody"]?["content"]?.AsObject() ?? []).Select(c => (c.Key, c.Value?["example"]?.DeepClone())).ToList();
            IsBulk = Id is "ingestValues" or "uploadTrainingLabels";
            IsLabels = Id == "uploadTrainingLabels";
            if (Bodies.FirstOrDefault() is { Key: { } media } first)
                ValidBody = (media, first.Item2 is null ? [] : Encoding.UTF8.GetBytes(ExampleText(media, first.Item2)));
        }

        public string Id { get; }
        public HttpMethod Method { get; }
        public List<Parameter> Parameters { get; }
        public List<(string Key, JsonNode? Example)> Bodies { get; }
        public bool IsBulk { get; }
        public bool IsLabels { get; }
        public (string ContentType, byte[] Body)? ValidBody { get; }

        /// <summary>The path with valid parameters except <paramref name="name"/>, plus the required query parameters and <paramref name="query"/>.</summary>
        public string Url(string? name = null, string? value = null, string? query = null)
        {
            var url = _path;
            foreach (var p in Parameters.Where(p => p.In == "path"))
                url = url.Replace("{" + p.Name + "}", p.Name == name ? value! : Valid.GetValueOrDefault(p.Name, "x"), StringComparison.Ordinal);
            var parts = Parameters.Where(p => p.In == "query" && p.Name == "features" && !(query ?? "").StartsWith("features=", StringComparison.Ordinal))
                .Select(p => $"{p.Name}={Valid[p.Name]}").ToList();
            if (query is not null) parts.Add(query);
            return parts.Count == 0 ? url : url + "?" + string.Join('&', parts);
        }

        public HostileRequest Request(string mutation, string url, (string ContentType, byte[] Body)? body) =>
            new(Id, mutation, Method, url, body?.ContentType, body?.Body);

        private static JsonNode? Resolve(JsonNode? schema, JsonNode document) =>
            schema?["$ref"] is { } reference
                ? document["components"]!["schemas"]![((string)reference!).Split('/')[^1]]
                : schema;
    }
}
