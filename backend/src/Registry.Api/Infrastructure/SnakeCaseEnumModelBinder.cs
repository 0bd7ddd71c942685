using System.Text.Json;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Registry.Api.Infrastructure;

/// <summary>Binds query and route enums from their snake_case names in any case (?feature_type=Technical_Indicator), as JSON does.</summary>
internal sealed class SnakeCaseEnumModelBinderProvider : IModelBinderProvider
{
    public IModelBinder? GetBinder(ModelBinderProviderContext context)
    {
        var type = Nullable.GetUnderlyingType(context.Metadata.ModelType) ?? context.Metadata.ModelType;
        return type.IsEnum && context.BindingInfo.BindingSource != BindingSource.Body ? new SnakeCaseEnumModelBinder(type) : null;
    }
}

internal sealed class SnakeCaseEnumModelBinder(Type enumType) : IModelBinder
{
    private readonly Dictionary<string, object> _byName = Enum.GetValues(enumType).Cast<object>()
        .ToDictionary(v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()!), StringComparer.OrdinalIgnoreCase); // as JSON bodies read them

    public Task BindModelAsync(ModelBindingContext bindingContext)
    {
        var value = bindingContext.ValueProvider.GetValue(bindingContext.ModelName).FirstValue;
        if (string.IsNullOrEmpty(value)) return Task.CompletedTask;
        if (_byName.TryGetValue(value, out var parsed))
        {
            bindingContext.Result = ModelBindingResult.Success(parsed);
        }
        else
        {
            bindingContext.ModelState.TryAddModelError(bindingContext.ModelName,
                $"'{value}' is not a valid {bindingContext.ModelName}. Expected one of: {string.Join(", ", _byName.Keys)}.");
        }
        return Task.CompletedTask;
    }
}
