using System.Text.Json;
using System.Text.Json.Nodes;

namespace Registry.Core.Versions;

/// <summary>Field-by-field comparison of two versions' snapshots, as JSON paths a client can show.</summary>
public static class SnapshotDiff
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static IReadOnlyList<SnapshotChange> Compare(FeatureVersion from, FeatureVersion to)
    {
        var changes = new List<SnapshotChange>();
        Walk("transformation", Element(from.TransformationSnapshot), Element(to.TransformationSnapshot), changes);
        Walk("validation_rules", Element(from.ValidationSnapshot), Element(to.ValidationSnapshot), changes);
        return changes;
    }

    private static JsonElement? Element(object? value) =>
        value is null ? null : JsonSerializer.SerializeToElement(value, value.GetType(), Json);

    private static void Walk(string path, JsonElement? a, JsonElement? b, List<SnapshotChange> changes)
    {
        if (a is null && b is null) return;
        if (a is null || a.Value.ValueKind == JsonValueKind.Null)
        {
            if (b is { ValueKind: not JsonValueKind.Null }) changes.Add(new(path, ChangeKind.Added, null, b));
            return;
        }
        if (b is null || b.Value.ValueKind == JsonValueKind.Null)
        {
            changes.Add(new(path, ChangeKind.Removed, a, null));
            return;
        }

        var (x, y) = (a.Value, b.Value);
        if (x.ValueKind == JsonValueKind.Object && y.ValueKind == JsonValueKind.Object)
        {
            var keys = x.EnumerateObject().Select(p => p.Name).Union(y.EnumerateObject().Select(p => p.Name));
            foreach (var key in keys)
            {
                JsonElement? left = x.TryGetProperty(key, out var l) ? l : null;
                JsonElement? right = y.TryGetProperty(key, out var r) ? r : null;
                Walk($"{path}.{key}", left, right, changes);
            }
        }
        else if (x.ValueKind == JsonValueKind.Array && y.ValueKind == JsonValueKind.Array && path == "validation_rules")
        {
            // Rules are compared by position: their order is how they were declared.
            var (xs, ys) = (x.EnumerateArray().ToList(), y.EnumerateArray().ToList());
            for (var i = 0; i < Math.Max(xs.Count, ys.Count); i++)
                Walk($"{path}[{i}]", i < xs.Count ? xs[i] : null, i < ys.Count ? ys[i] : null, changes);
        }
        else if (!JsonNode.DeepEquals(JsonNode.Parse(x.GetRawText()), JsonNode.Parse(y.GetRawText())) && !SameNumber(x, y))
        {
            changes.Add(new(path, ChangeKind.Changed, x, y));
        }
    }

    // 100 and 100.0 are the same bound.
    private static bool SameNumber(JsonElement x, JsonElement y) =>
        x.ValueKind == JsonValueKind.Number && y.ValueKind == JsonValueKind.Number
        && x.TryGetDecimal(out var dx) && y.TryGetDecimal(out var dy) && dx == dy;
}
