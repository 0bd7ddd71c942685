using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Operations;
using Registry.Core.Common;

namespace Registry.Api.Infrastructure;

/// <summary>
/// The one place where failures become RFC 9457 problem details: each service error kind has one
/// status; anything unexpected is a 500 that names a trace id and never carries a stack trace.
/// </summary>
internal sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problems, ILogger<ProblemDetailsExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            context.Response.StatusCode = 499;
            return true;
        }

        var problem = exception switch
        {
            InvalidInputException e => WithExtensions(new ValidationProblemDetails(e.Errors.ToDictionary(kv => kv.Key, kv => kv.Value))
            {
                Status = StatusCodes.Status400BadRequest, Title = e.Title, Detail = e.Message,
            }, e),
            RegistryException e => WithExtensions(new ProblemDetails { Status = StatusOf(e), Title = e.Title, Detail = e.Message }, e),
            RequestBodyTooLargeException e => new ProblemDetails
            {
                Status = e.StatusCode,
                Title = "The request body is too large.",
                Detail = e.Message,
                Extensions = { ["max_body_bytes"] = e.Limit },
            },
            // A body whose bytes do not decode in the charset its Content-Type declares (read by MVC's JSON input).
            System.Text.DecoderFallbackException => new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                [InvalidInput.BodyKey] = ["The body is not valid text in the charset its Content-Type declares (send UTF-8)."],
            })
            {
                Status = StatusCodes.Status400BadRequest, Title = "One or more fields are invalid.", Detail = "See 'errors' for each invalid field.",
            },
            BadHttpRequestException e => new ProblemDetails
            {
                Status = e.StatusCode,
                Title = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "Bad request.",
                Detail = e.Message,
            },
            _ => null,
        };

        if (problem is null)
        {
            logger.Unhandled(exception, context.Request.Method, context.Request.Path);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "An unexpected error occurred.",
                Detail = "The error was logged; quote the trace_id when reporting it.",
            };
        }
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.DatabaseUnavailable(exception, context.Request.Method, context.Request.Path);
            context.Response.Headers.RetryAfter = "5";
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>Every problem document, whatever produced it, gets the request path and a trace id.</summary>
    public static void Customize(ProblemDetailsContext context) => Customize(context.HttpContext, context.ProblemDetails);

    public static void Customize(HttpContext http, ProblemDetails problem)
    {
        problem.Instance ??= http.Request.Path;
        UnsupportedMediaType.Describe(http, problem);
        problem.Extensions.Remove("traceId");
        problem.Extensions["trace_id"] = Activity.Current?.Id ?? http.TraceIdentifier;
    }

    private static int StatusOf(RegistryException e) => e switch
    {
        NotFoundException => StatusCodes.Status404NotFound,
        ConflictException => StatusCodes.Status409Conflict,
        RuleViolationException => StatusCodes.Status422UnprocessableEntity,
        PreconditionFailedException => StatusCodes.Status412PreconditionFailed,
        StoreUnavailableException => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    private static ProblemDetails WithExtensions(ProblemDetails problem, RegistryException e)
    {
        foreach (var (key, value) in e.Extensions) problem.Extensions[key] = value;
        return problem;
    }
}

internal static partial class ExceptionLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    public static partial void Unhandled(this ILogger logger, Exception exception, string method, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable for {Method} {Path}")]
    public static partial void DatabaseUnavailable(this ILogger logger, Exception exception, string method, PathString path);
}
