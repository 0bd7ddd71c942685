using FluentValidation;
using FluentValidation.AspNetCore;
using Registry.Core.Common;
using Registry.Core.Features;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Request bodies are validated by FluentValidation's MVC integration before an action runs (ADR 0020): the validators
/// are found in Registry.Core, failures land in ModelState and leave as the same 400 as binding failures (InvalidInput).
/// </summary>
public static class ValidationSetup
{
    public static IServiceCollection AddRegistryValidation(this IServiceCollection services)
    {
        Validation.UseWireNames();
        // Singletons: validators hold no request state, and building one compiles its rules.
        services.AddValidatorsFromAssemblyContaining<CreateFeatureValidator>(ServiceLifetime.Singleton);
        // The [Required] attributes stay for the OpenAPI schema; the validators say the same, once, by the JSON name.
        services.AddFluentValidationAutoValidation(options => options.DisableDataAnnotationsValidation = true);
        SimpleParametersValidator.Decorate(services);
        return services;
    }
}
