using Microsoft.AspNetCore.Mvc;

namespace Registry.Api.Infrastructure;

/// <summary>
/// What every registry controller shares: API behaviour (automatic 400s through InvalidInput) and JSON answers.
/// The error responses every action of a kind can give (400, 500, 503; 404 with a path parameter; 413 and 415 with a body)
/// are declared by ProblemResponsesFilter, not here: an action declares only its own (409, 412, 422).
/// </summary>
[ApiController]
[Produces("application/json")]
public abstract class RegistryControllerBase : ControllerBase;
