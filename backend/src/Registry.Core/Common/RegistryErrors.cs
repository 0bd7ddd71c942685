namespace Registry.Core.Common;

/// <summary>
/// The closed set of failures a service reports. The API's single exception handler maps each
/// kind to one HTTP status, so services never think in HTTP and controllers never catch.
/// </summary>
public abstract class RegistryException(string title, string detail, Exception? inner = null) : Exception(detail, inner)
{
    public string Title { get; } = title;

    /// <summary>Extra members for the problem document (e.g. the blocking dependents).</summary>
    public IReadOnlyDictionary<string, object?> Extensions { get; init; } = new Dictionary<string, object?>();
}

/// <summary>The input is malformed or invalid field by field (400).</summary>
public sealed class InvalidInputException(IReadOnlyDictionary<string, string[]> errors)
    : RegistryException("One or more fields are invalid.", "See 'errors' for each invalid field.")
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public static InvalidInputException For(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>The named resource does not exist (404).</summary>
public sealed class NotFoundException(string detail) : RegistryException("Not found.", detail);

/// <summary>The request clashes with the current state: duplicate, blocked transition (409).</summary>
public sealed class ConflictException(string title, string detail) : RegistryException(title, detail);

/// <summary>Well-formed input that breaks a domain rule: unknown upstream, cycle (422).</summary>
public sealed class RuleViolationException(string title, string detail) : RegistryException(title, detail);

/// <summary>An If-Match precondition no longer holds (412).</summary>
public sealed class PreconditionFailedException(string detail)
    : RegistryException("The resource has changed.", detail);

/// <summary>
/// A store the registry needs is down, unreachable or cannot use its files (503 with Retry-After): not the request's fault.
/// Each store translates its own driver's outage errors into this, so the API layer knows no driver.
/// </summary>
public sealed class StoreUnavailableException(string title, string detail, Exception? inner = null) : RegistryException(title, detail, inner);
