using Mapster;
using MapsterMapper;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Wire responses are made by Mapster from one explicit configuration (ADR 0021). Each area declares its pairs in an
/// <see cref="IRegister"/> beside its responses; a pair that is not declared does not map, and every member of a
/// response must have a source, so nothing reaches the wire by accident. Stored records stay separate from responses.
/// </summary>
public static class MappingSetup
{
    public static TypeAdapterConfig CreateWireConfig()
    {
        var config = new TypeAdapterConfig
        {
            RequireExplicitMapping = true,
            RequireDestinationMemberSource = true,
        };
        // JSON parameters (JsonElement), typed values (object) and core records shown as they are pass through untouched.
        config.Default.ShallowCopyForSameType(true);
        config.Scan(typeof(MappingSetup).Assembly);
        return config;
    }

    public static IServiceCollection AddRegistryMapping(this IServiceCollection services)
    {
        var config = CreateWireConfig();
        // Not compiled here: each pair compiles on its first use. Compiling every pair took seconds of start-up (ADR 0045);
        // WireMappingTests compiles the same configuration whole, so a response member without a source fails the tests.
        services.AddSingleton(config);
        services.AddSingleton<IMapper>(new Mapper(config));
        services.AddSingleton<Features.FeatureResponseJson>();
        // The definition's pair only, on a thread of its own (not the pool's, which the start needs) while the host starts: a GET of a definition is the typical first
        // request, and its compilation was a tenth of the start (ADR 0050). The dynamic form is the one IMapper.Map<T>(object)
        // looks up (GetMapFunction is a separate cache). A failure here fails that request as before.
        _ = Task.Factory.StartNew(() =>
        {
            try { config.GetDynamicMapFunction<Features.FeatureResponse>(typeof(Registry.Core.Features.FeatureDefinition)); }
            catch (Exception e) when (e is InvalidOperationException or CompileException) { /* the request that needs it says so */ }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return services;
    }
}

/// <summary>Values a response needs that its source does not carry, passed as Mapster map-context parameters.</summary>
internal static class MapParameters
{
    private const string CurrentVersionKey = "current_version";

    /// <summary>The version that is current, for responses that say whether theirs is (is_current).</summary>
    public static ITypeAdapterBuilder<T> WithCurrentVersion<T>(this ITypeAdapterBuilder<T> builder, string currentVersion) =>
        builder.AddParameters(CurrentVersionKey, currentVersion);

    /// <summary>Read inside a mapping; a mapping started without <see cref="WithCurrentVersion{T}"/> fails loudly.</summary>
    public static string CurrentVersion() =>
        MapContext.Current?.Parameters.GetValueOrDefault(CurrentVersionKey) as string
        ?? throw new InvalidOperationException("This response says whether its version is current: map it with WithCurrentVersion(…).");
}
