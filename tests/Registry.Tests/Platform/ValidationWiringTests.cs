using System.Reflection;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Training;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Platform;

/// <summary>
/// Request bodies are validated by FluentValidation's MVC integration (ADR 0020), which runs only the validators it
/// finds registered: a body type without one would reach its service unchecked. A new endpoint breaks here first.
/// </summary>
public sealed class ValidationWiringTests(SharedApi factory) : IClassFixture<SharedApi>
{
    /// <summary>Bodies whose checks are interleaved with I/O in their service, so they have no validator of their own.</summary>
    private static readonly Dictionary<Type, string> CheckedByTheirService = new()
    {
        // Features and feature-set members are resolved while the request is checked, and all errors come back together.
        [typeof(TrainingSetRequest)] = "TrainingService.PlanAsync",
    };

    public static IEnumerable<Type> BodyTypes() =>
        typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(ControllerBase).IsAssignableFrom(t) && !t.IsAbstract)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetParameters())
            .Where(p => p.GetCustomAttribute<FromBodyAttribute>() is not null)
            .Select(p => p.ParameterType)
            .Distinct();

    [Fact]
    public void Every_request_body_has_a_registered_validator()
    {
        var types = BodyTypes().ToList();
        Assert.True(types.Count >= 10, $"found only {types.Count} body types");
        var missing = types
            .Where(t => !CheckedByTheirService.ContainsKey(t))
            .Where(t => factory.Services.GetService(typeof(IValidator<>).MakeGenericType(t)) is null)
            .Select(t => t.Name)
            .ToList();
        Assert.True(missing.Count == 0, $"no validator registered for: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Validators_are_singletons_built_once()
    {
        var type = typeof(IValidator<Registry.Core.Features.CreateFeatureRequest>);
        Assert.Same(factory.Services.GetRequiredService(type), factory.Services.GetRequiredService(type));
    }
}
