using Microsoft.AspNetCore.Mvc;

namespace Registry.Api.Infrastructure;

/// <summary>
/// What every registry controller shares: API behaviour (automatic 400s through InvalidInput) and JSON answers.
/// The error responses every action can give (400, 500, 503) are declared by ProblemResponsesFilter, not here:
/// a controller's own [ProducesResponseType&lt;ProblemDetails&gt;] (its 404) would hide an inherited one of the same type.
/// </summary>
[ApiController]
[Produces("application/json")]
public abstract class RegistryControllerBase : ControllerBase;
