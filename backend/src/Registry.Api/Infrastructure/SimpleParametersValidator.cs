using System.Collections.Concurrent;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Validation;

namespace Registry.Api.Infrastructure;

/// <summary>
/// FluentValidation's object validator, except for parameters of simple types that no validator is registered for (route
/// and query values: names, versions, filters). DataAnnotations validation is off (ADR 0020), so nothing could validate
/// them; FluentValidation's visitor still reflected over each such parameter's attributes and looked up a validator type on
/// every request, a few percent of a GET's CPU in the profile.
/// </summary>
internal sealed class SimpleParametersValidator(ObjectModelValidator inner, IServiceProvider services,
    IModelMetadataProvider metadata, IList<IModelValidatorProvider> providers) : ObjectModelValidator(metadata, providers)
{
    private readonly ConcurrentDictionary<Type, bool> _unvalidated = new();
    private readonly IServiceProviderIsService _registered = services.GetRequiredService<IServiceProviderIsService>();

    public override void Validate(ActionContext actionContext, ValidationStateDictionary? validationState, string? prefix, object? model,
        ModelMetadata metadata, object? container)
    {
        if (IsUnvalidated(metadata))
        {
            // As the visitor leaves a value no validator objects to: valid (an unvalidated entry makes the model state invalid).
            foreach (var entry in actionContext.ModelState.FindKeysWithPrefix(prefix ?? ""))
                if (entry.Value.ValidationState == ModelValidationState.Unvalidated) actionContext.ModelState.MarkFieldValid(entry.Key);
            return;
        }
        inner.Validate(actionContext, validationState, prefix, model, metadata, container);
    }

    public override ValidationVisitor GetValidationVisitor(ActionContext actionContext, IModelValidatorProvider validatorProvider,
        ValidatorCache validatorCache, IModelMetadataProvider metadataProvider, ValidationStateDictionary? validationState) =>
        inner.GetValidationVisitor(actionContext, validatorProvider, validatorCache, metadataProvider, validationState);

    private bool IsUnvalidated(ModelMetadata metadata) => _unvalidated.GetOrAdd(metadata.ModelType, type =>
    {
        var element = metadata.IsEnumerableType ? metadata.ElementMetadata : metadata;
        return element is { IsComplexType: false }
            && !_registered.IsService(typeof(IValidator<>).MakeGenericType(type))
            && !_registered.IsService(typeof(IValidator<>).MakeGenericType(element.ModelType));
    });

    /// <summary>Wraps the object validator that FluentValidation registered.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IObjectModelValidator));
        services.Remove(registered);
        services.AddSingleton<IObjectModelValidator>(sp => new SimpleParametersValidator(
            (ObjectModelValidator)(registered.ImplementationFactory?.Invoke(sp) ?? registered.ImplementationInstance
                ?? ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!)),
            sp, sp.GetRequiredService<IModelMetadataProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<MvcOptions>>().Value.ModelValidatorProviders));
    }
}
