using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Conventions;

/// <summary>How every operation reads its query string (ADR 0026): one convention, checked on real requests.</summary>
public sealed class QueryConventionTests(SharedApi factory) : IClassFixture<SharedApi>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task An_unknown_query_parameter_is_a_400_naming_it_instead_of_an_unfiltered_list()
    {
        await _client.CreateAsync(FeatureApi.Minimal("qc_unknown"), allowExisting: true);
        var problem = await (await _client.GetAsync($"{FeatureApi.Url}?tag=x&colour=red")).ExpectProblemAsync(400);
        var tag = (string)problem["errors"]!["tag"]![0]!;
        Assert.Contains("Unknown query parameter 'tag'", tag, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'tags'?", tag, StringComparison.Ordinal);
        Assert.Contains("colour", problem["errors"]!.AsObject().Select(e => e.Key));

        // Operations without query parameters say so; sets use the same name as features.
        var none = await (await _client.GetAsync($"{FeatureApi.Url}/qc_unknown?verbose=1")).ExpectProblemAsync(400);
        Assert.Contains("accepts", (string)none["errors"]!["verbose"]![0]!, StringComparison.Ordinal);
        await (await _client.GetAsync("/api/v1/feature-sets?tag=x")).ExpectProblemAsync(400);
        await (await _client.GetAsync("/api/v1/feature-sets?tags=x")).ExpectAsync(200);
    }

    [Fact]
    public async Task Lists_are_repeated_or_comma_separated_everywhere()
    {
        await _client.CreateAsync(FeatureApi.Minimal("qc_latest"), allowExisting: true);
        await _client.IngestAsync("qc_latest", ValueApi.Row("A", ValueApi.Day(0), 1.5), ValueApi.Row("B", ValueApi.Day(0), 2.5));
        foreach (var query in new[] { "entity_id=A,B", "entity_id=A&entity_id=B", "entity_id=A,%20B,&entity_id=" })
        {
            var latest = (await (await _client.GetAsync($"{ValueApi.ValuesUrl("qc_latest")}/latest?{query}")).ExpectAsync(200))!;
            Assert.Equal(["A", "B"], latest["values"]!.AsArray().Select(v => (string)v!["entity_id"]!).Order());
            Assert.Empty(latest["missing_entities"]!.AsArray());
        }
    }

    [Fact]
    public async Task Enum_values_in_a_query_string_are_read_in_any_case()
    {
        await _client.CreateAsync(FeatureApi.Minimal("qc_enum", type: "technical_indicator"), allowExisting: true);
        foreach (var value in new[] { "technical_indicator", "Technical_Indicator", "TECHNICAL_INDICATOR" })
        {
            var page = (await (await _client.GetAsync($"{FeatureApi.Url}?feature_type={value}")).ExpectAsync(200))!;
            Assert.Contains("qc_enum", page["features"]!.AsArray().Select(f => (string)f!["feature_name"]!));
        }
        var problem = await (await _client.GetAsync($"{FeatureApi.Url}?feature_type=technical")).ExpectProblemAsync(400);
        Assert.Contains("technical_indicator", (string)problem["errors"]!["feature_type"]![0]!, StringComparison.Ordinal);
    }

    /// <summary>The names come from the convention: every route and query parameter of every action is snake_case.</summary>
    [Fact]
    public void Every_route_and_query_parameter_is_bound_by_its_snake_case_name()
    {
        var actions = factory.Services.GetRequiredService<IActionDescriptorCollectionProvider>().ActionDescriptors.Items;
        var names = actions.SelectMany(a => a.Parameters)
            .Where(p => p.BindingInfo?.BindingSource?.Id is "Query" or "Path")
            .Select(p => p.BindingInfo!.BinderModelName ?? p.Name)
            .Distinct().ToList();
        Assert.Contains("feature_name", names);
        Assert.Contains("entity_id", names);
        Assert.Contains("as_of", names);
        Assert.All(names, n => Assert.Matches("^[a-z][a-z0-9_]*$", n));
        // No action names its parameters by hand: the source has no [FromQuery(Name = …)] left.
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../backend/src/Registry.Api"));
        var named = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains("[FromQuery(Name", StringComparison.Ordinal) || File.ReadAllText(f).Contains("[FromRoute(Name", StringComparison.Ordinal));
        Assert.Empty(named);
    }
}
