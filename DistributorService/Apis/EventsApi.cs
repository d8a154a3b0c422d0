using System.Text.Json;
using DistributorService.Data;
using DistributorService.Intake;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ServiceDefaults.Problems;

namespace DistributorService.Apis;

public static class EventsApi
{
    private const int MaxTypeLength = 200;
    private const int MaxKeyLength = 200;

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/events").WithTags("Events");
        group.MapPost("/", Accept);
        group.MapGet("/{id:guid}", Get);
        return app;
    }

    /// <summary>202 only once the event, its distributions and their jobs are committed; 503 when that cannot happen.</summary>
    private static async Task<Results<Accepted<EventAccepted>, ProblemHttpResult>> Accept(
        EventRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyHeader,
        DistributorDbContext db,
        EventIntake intake,
        IntakeGate gate,
        HttpContext context,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Type) || request.Type.Length > MaxTypeLength)
        {
            return Problem.Validation($"type is required (at most {MaxTypeLength} characters)");
        }

        if (request.Payload is not { ValueKind: not JsonValueKind.Undefined } payload)
        {
            return Problem.Validation("payload is required (any JSON value)");
        }

        var key = string.IsNullOrWhiteSpace(idempotencyHeader) ? request.IdempotencyKey : idempotencyHeader;
        if (key is { Length: > MaxKeyLength })
        {
            return Problem.Validation($"the idempotency key is longer than {MaxKeyLength} characters");
        }

        if (idempotencyHeader is { Length: > 0 } && request.IdempotencyKey is { Length: > 0 } && idempotencyHeader != request.IdempotencyKey)
        {
            return Problem.Validation("the Idempotency-Key header and the idempotencyKey field differ");
        }

        try
        {
            if (await gate.IsPausedAsync(db, cancellationToken))
            {
                context.Response.Headers.RetryAfter = "30";
                return Problem.Of(StatusCodes.Status503ServiceUnavailable, DistributorErrorCodes.IntakePaused, "Intake is paused",
                    "An operator paused intake (POST /admin/intake/resume); retry later.");
            }

            var result = await intake.AcceptAsync(request.Type.Trim(), payload.GetRawText(), key, cancellationToken);
            return TypedResults.Accepted($"/api/events/{result.Answer.EventId}", result.Answer);
        }
        catch (Exception ex) when (IsDatabaseUnavailable(ex))
        {
            // EF wraps transient Npgsql failures in InvalidOperationException; whatever the wrapper, nothing was stored.
            loggers.CreateLogger(typeof(EventsApi)).LogWarning(ex, "Intake refused: PostgreSQL is unavailable");
            context.Response.Headers.RetryAfter = "5";
            return Problem.Unavailable(ErrorCodes.DependencyUnavailable, "PostgreSQL is unavailable; the event was not accepted.",
                TimeSpan.FromSeconds(5));
        }
    }

    private static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is NpgsqlException { IsTransient: true } or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<Results<Ok<EventView>, ProblemHttpResult>> Get(Guid id, DistributorDbContext db, CancellationToken cancellationToken)
    {
        var stored = await db.Events.AsNoTracking()
            .Include(e => e.Distributions)
            .FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (stored is null)
        {
            return Problem.NotFound("Event");
        }

        using var payload = JsonDocument.Parse(stored.Payload);
        return TypedResults.Ok(new EventView(stored.Id, stored.Type, payload.RootElement.Clone(), stored.IdempotencyKey, stored.AcceptedAt,
            stored.Distributions.OrderBy(d => d.Sequence).Select(d => d.ToView(withAttempts: false)).ToList()));
    }
}
