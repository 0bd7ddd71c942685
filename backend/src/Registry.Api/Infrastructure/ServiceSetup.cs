using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc.ModelBinding.Metadata;
using Registry.Core.Features;
using Registry.Core.Versions;

namespace Registry.Api.Infrastructure;

public static class ServiceSetup
{
    public static IServiceCollection AddRegistryServices(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Registry.Core.Values.ContractCache>();
        services.AddSingleton<Registry.Core.Online.OnlinePlanCache>();
        // The services hold no state of a request (the caller and the cancellation are arguments) and every store is a
        // singleton, so they are too: a scope per request no longer builds the graph behind OnlineService again.
        services.AddSingleton<Registry.Core.Values.SqlFeatureCheck>();
        services.AddSingleton<FeatureService>();
        services.AddSingleton<VersionService>();
        services.AddSingleton<Registry.Core.Usage.UsageService>();
        // Usage records are written in groups by one writer per process (ADR 0040). Created after the store it writes to, so
        // disposed before it: a graceful stop commits what is still queued.
        services.AddOptions<Registry.Core.Usage.UsageGroupOptions>()
            .BindConfiguration(Registry.Core.Usage.UsageGroupOptions.Section)
            .Validate(o => o.Errors().Count == 0, "Usage:MaxGroupRecords and Usage:MaxQueuedRequests must be 1 or more.")
            .ValidateOnStart();
        services.AddSingleton<Registry.Core.Usage.PublishedVersionCache>(_ => new());
        services.AddSingleton(sp => new Registry.Core.Usage.UsageGroupCommit(
            sp.GetRequiredService<Registry.Core.Usage.IUsageStore>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Registry.Core.Usage.UsageGroupOptions>>().Value));
        services.AddSingleton<Registry.Core.Lineage.LineageService>();
        services.AddSingleton<Registry.Core.Values.ValueService>();
        services.AddSingleton<Registry.Core.Training.TrainingService>();
        services.AddSingleton<Registry.Core.FeatureSets.FeatureSetService>();
        services.AddSingleton<Registry.Core.Online.OnlineService>();
        services.AddSingleton<Registry.Core.Snapshots.SnapshotService>();
        services.AddSingleton<Registry.Core.Online.OnlineStoreService>();
        return services;
    }

    public static IServiceCollection AddRegistryApi(this IServiceCollection services)
    {
        services.AddControllers(options =>
            {
                options.ModelBinderProviders.Insert(0, new SnakeCaseEnumModelBinderProvider());
                options.AddQueryConventions(); // snake_case names, unknown parameters refused, lists comma-separated or repeated
                // Validation errors are keyed by the JSON (snake_case) name the client sent, not the C# name.
                options.ModelMetadataDetailsProviders.Add(new SystemTextJsonValidationMetadataProvider(JsonNamingPolicy.SnakeCaseLower));
                options.SuppressImplicitRequiredAttributeForNonNullableReferenceTypes = true;
                InvalidInput.UseOwnTexts(options.ModelBindingMessageProvider);
                options.Filters.Add(new ProblemContentTypeFilter()); // an instance, so that its Order (last) applies
            })
            .AddJsonOptions(options =>
            {
                ConfigureJson(options.JsonSerializerOptions);
                // ModelState keeps System.Text.Json's exception itself (path, position, inner reader error), not only
                // its text, so that InvalidInput reads what went wrong from its structure (ADR 0039).
                options.AllowInputFormatterExceptionMessages = false;
            })
            .ConfigureApiBehaviorOptions(options => options.InvalidModelStateResponseFactory = InvalidInput.Response);
        services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));

        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDetailsExceptionHandler.Customize);
        services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        return services;
    }

    /// <summary>snake_case everywhere (ML pipelines are Python), enums as names, unknown properties refused.</summary>
    public static void ConfigureJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        json.Converters.Add(new UtcDateTimeOffsetConverter());
        json.Converters.Add(new NoNulStringConverter());
        json.Converters.Add(new NoNulJsonElementConverter());
        // {"owner": "a", "owner": "b"} is ambiguous: refuse it rather than let the last one win.
        json.AllowDuplicateProperties = false;
        // A misspelt field silently ignored is a bug shipped to production; refuse it instead.
        json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    }
}
