using Mapster;
using Registry.Core.Online;

namespace Registry.Api.Online;

public sealed record OnlineFeatureResponse(string FeatureName, string FeatureVersion, int ContractMajor);

/// <summary>
/// One entity's vector, keyed by feature name in member order: <c>values</c> is what the model reads (normalized when a
/// snapshot was given), <c>raw_values</c> the stored values, with each value's event time and age. Features without a
/// value for the entity are listed in <c>missing_features</c> and absent from the maps.
/// </summary>
public sealed record OnlineVectorResponse(
    string EntityId,
    IReadOnlyDictionary<string, object?> Values,
    IReadOnlyDictionary<string, object?> RawValues,
    IReadOnlyDictionary<string, DateTimeOffset> EventTs,
    IReadOnlyDictionary<string, double> AgeSeconds,
    IReadOnlyList<string> MissingFeatures);

public sealed record OnlineVectorsResponse(
    string FeatureSetName,
    string FeatureSetVersion,
    IReadOnlyList<OnlineFeatureResponse> Features,
    Guid? NormalizedWith,
    DateTimeOffset ServedAt,
    IReadOnlyList<OnlineVectorResponse> Vectors);

internal sealed class OnlineMappings : IRegister
{
    public void Register(TypeAdapterConfig config)
    {
        config.NewConfig<OnlineMember, OnlineFeatureResponse>();
        config.NewConfig<OnlineVectors, OnlineVectorsResponse>()
            .Map(d => d.Features, s => s.Members)
            .Map(d => d.Vectors, s => OnlineVectorPivot.Vectors(s));
    }
}

/// <summary>Hand-written because it is logic, not a copy: values by member position become maps keyed by feature name.</summary>
internal static class OnlineVectorPivot
{
    public static List<OnlineVectorResponse> Vectors(OnlineVectors v)
    {
        var vectors = new List<OnlineVectorResponse>(v.Vectors.Count);
        foreach (var e in v.Vectors) vectors.Add(Vector(v.Members, e));
        return vectors;
    }

    private static OnlineVectorResponse Vector(IReadOnlyList<OnlineMember> members, OnlineVector e)
    {
        var values = new Dictionary<string, object?>(members.Count);
        var raw = new Dictionary<string, object?>(members.Count);
        var eventTs = new Dictionary<string, DateTimeOffset>(members.Count);
        var ages = new Dictionary<string, double>(members.Count);
        var missing = new List<string>();
        for (var i = 0; i < members.Count; i++)
        {
            var name = members[i].FeatureName;
            if (e.Values[i] is not { } value) { missing.Add(name); continue; }
            values[name] = value.Value;
            raw[name] = value.RawValue;
            eventTs[name] = value.EventTs;
            ages[name] = value.AgeSeconds;
        }
        return new OnlineVectorResponse(e.EntityId, values, raw, eventTs, ages, missing);
    }
}
