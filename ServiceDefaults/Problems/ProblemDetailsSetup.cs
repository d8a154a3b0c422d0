using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;
using ServiceDefaults.Validation;
using StackExchange.Redis;

namespace ServiceDefaults.Problems;

internal static class ProblemDetailsSetup
{
    /// <summary>Every error leaves as RFC 9457 problem details with a stable <c>code</c> and the trace id.</summary>
    public static IServiceCollection AddDefaultProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            var status = ctx.ProblemDetails.Status ?? ctx.HttpContext.Response.StatusCode;
            ctx.ProblemDetails.Extensions.TryAdd("code", ErrorCodes.ForStatus(status));
            ctx.ProblemDetails.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? ctx.HttpContext.TraceIdentifier;
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
        });
        // Binding failures (malformed JSON, a wrong content type, a missing parameter) reach ExceptionToProblem in every
        // environment, so the problem says what was wrong with the input instead of an empty 400.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ExceptionToProblem>();
        return services;
    }
}

/// <summary>
/// Maps exceptions that escape a handler to a status and code; the message of an unknown error is never shown to the
/// caller but always logged (since .NET 10 the exception handler middleware does not log exceptions an
/// <see cref="IExceptionHandler"/> handled, so without this an unexpected 500 would leave no trace).
/// </summary>
internal sealed partial class ExceptionToProblem(IProblemDetailsService problems, ILogger<ExceptionToProblem> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        string? detail = null;
        var (status, code, title) = exception switch
        {
            BadHttpRequestException { StatusCode: 413 } => (413, ErrorCodes.PayloadTooLarge, "Request body too large"),
            BadHttpRequestException bad => (bad.StatusCode,
                bad.StatusCode == 400 ? ErrorCodes.ValidationFailed : ErrorCodes.ForStatus(bad.StatusCode), "Bad request"),
            // A multipart body without a boundary, or cut short: the caller's request is malformed, not the service.
            InvalidDataException or IOException when context.Request.HasFormContentType
                && !context.RequestAborted.IsCancellationRequested =>
                (400, ErrorCodes.ValidationFailed, "Malformed multipart body"),
            BrokenCircuitException => (503, ErrorCodes.CircuitOpen, "A dependency's circuit breaker is open"),
            TimeoutRejectedException => (504, ErrorCodes.RequestTimeout, "A dependency did not answer within its budget"),
            _ when DatabaseErrors.Classify(exception) is { } db => db,
            _ when IsDependencyOutage(exception) => (503, ErrorCodes.DependencyUnavailable, "A dependency is unavailable"),
            OperationCanceledException when context.RequestAborted.IsCancellationRequested =>
                (499, ErrorCodes.RequestTimeout, "Request cancelled"),
            _ => (500, ErrorCodes.InternalError, "An unexpected error occurred"),
        };
        if (status is >= 400 and < 500)
        {
            // The caller's own input is at fault: say what, never anything about the service's internals.
            detail = exception switch
            {
                BadHttpRequestException { InnerException: JsonInputException input } => input.Message,
                BadHttpRequestException { InnerException: System.Text.Json.JsonException json } =>
                    $"The JSON body is not valid{(json.Path is { Length: > 0 } path ? $" at {path}" : "")}.",
                BadHttpRequestException bad => bad.Message,
                _ when code == ErrorCodes.ValidationFailed => "The multipart body is malformed (missing boundary or truncated).",
                _ => null,
            };
        }

        if (status >= 500 && status != 503)
        {
            LogUnexpected(logger, context.Request.Method, context.Request.Path, status, code, exception);
        }
        else
        {
            LogMapped(logger, context.Request.Method, context.Request.Path, status, code, exception.GetType().Name, exception.Message);
        }

        context.Response.StatusCode = status;
        if (status == 503)
        {
            context.Response.Headers.RetryAfter = "5";
        }

        var details = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        details.Extensions["code"] = code;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = details,
            Exception = exception,
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed with {Status} {Code}")]
    private static partial void LogUnexpected(ILogger logger, string method, string path, int status, string code, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered {Status} {Code}: {ExceptionType}: {Error}")]
    private static partial void LogMapped(ILogger logger, string method, string path, int status, string code, string exceptionType,
        string error);

    /// <summary>
    /// A Redis outage or a timeout, however it is wrapped (database failures are classified first by <see cref="DatabaseErrors"/>).
    /// </summary>
    private static bool IsDependencyOutage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is RedisConnectionException or RedisTimeoutException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
