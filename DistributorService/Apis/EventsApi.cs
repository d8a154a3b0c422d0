using System.Security.Claims;
using System.Text.Json;
using DistributorService.Data;
using DistributorService.Intake;
using DistributorService.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using ServiceDefaults.Auth;
using ServiceDefaults.Problems;
using ServiceDefaults.Requests;
using ServiceDefaults.Validation;

namespace DistributorService.Apis;

public static class EventsApi
{
    private const int MaxTypeLength = 200;
    private const int MaxKeyLength = 200;

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/events").WithTags("Events");
        group.MapPost("/", Accept).RequireAuthorization(Publishers.PolicyName).RequireRateLimiting(DistributorRateLimits.Events);
        group.MapGet("/{id:guid}", Get).RequireAuthorization(Publishers.ReaderPolicyName);
        return app;
    }

    /// <summary>
    /// 202 only once the event, its distributions and their jobs are committed; 503 when that cannot happen. Only a publisher
    /// (role or scope) may post, and only the types <c>Distributor:Publishers</c> gives it (403 otherwise); its idempotency keys
    /// are its own, and a key reused with another payload is 422.
    /// </summary>
    private static async Task<Results<Accepted<EventAccepted>, ProblemHttpResult>> Accept(
        EventRequest request,
        IdempotencyKey idempotency,
        ClaimsPrincipal user,
        Publishers publishers,
        IServiceScopeFactory scopes,
        IntakeGate gate,
        HttpContext context,
        ILoggerFactory loggers,
        IOptions<DistributorOptions> options,
        TimeProvider time,
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

        var idempotencyHeader = idempotency.Value;
        var key = string.IsNullOrWhiteSpace(idempotencyHeader) ? request.IdempotencyKey : idempotencyHeader;
        if (key is { Length: > MaxKeyLength })
        {
            return Problem.Validation($"the idempotency key is longer than {MaxKeyLength} characters");
        }

        if (idempotencyHeader is { Length: > 0 } && request.IdempotencyKey is { Length: > 0 }
            && idempotencyHeader != request.IdempotencyKey)
        {
            return Problem.Validation("the Idempotency-Key header and the idempotencyKey field differ");
        }

        if (key is not null && TextRules.Problem(key) is { } badKey)
        {
            return Problem.Validation($"the idempotency key {badKey}");
        }

        var type = request.Type.Trim();
        var publisher = user.GetUserId();
        if (!publishers.MayPublish(publisher, type))
        {
            return Problem.Of(StatusCodes.Status403Forbidden, DistributorErrorCodes.EventTypeNotAllowed, "Event type not allowed",
                $"Publisher '{publisher}' may not post '{type}' events (Distributor:Publishers).");
        }

        // The answer never waits longer than IntakeTimeout, whatever PostgreSQL does: a hung server keeps Npgsql in a
        // statement (and its cancellation handshake) for the command timeout and more, so the work runs in its own scope
        // and the request stops waiting at the budget. Abandoned work rolls back instead of committing.
        var abandoned = 0;
        var work = AcceptInOwnScopeAsync(scopes, gate, publisher, type, payload.GetRawText(), key, () => Volatile.Read(ref abandoned) == 1);
        var logger = loggers.CreateLogger(typeof(EventsApi));
        try
        {
            var accepted = await work.WaitAsync(options.Value.IntakeTimeout, time, cancellationToken);
            if (accepted is null)
            {
                context.Response.Headers.RetryAfter = "30";
                return Problem.Of(StatusCodes.Status503ServiceUnavailable, DistributorErrorCodes.IntakePaused, "Intake is paused",
                    "An operator paused intake (POST /admin/intake/resume); retry later.");
            }

            return TypedResults.Accepted($"/api/events/{accepted.Answer.EventId}", accepted.Answer);
        }
        catch (IdempotencyKeyReusedException ex)
        {
            return Problem.Of(StatusCodes.Status422UnprocessableEntity, DistributorErrorCodes.IdempotencyKeyReused,
                "Idempotency key reused", ex.Message, new Dictionary<string, object?> { ["eventId"] = ex.EventId });
        }
        // WaitAsync's TimeoutException included
        catch (Exception ex) when (IsDatabaseUnavailable(ex) || cancellationToken.IsCancellationRequested)
        {
            Volatile.Write(ref abandoned, 1);
            _ = ObserveAbandonedAsync(work, logger);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            // Whatever the wrapper (EF wraps transient Npgsql failures in InvalidOperationException), nothing was stored.
            logger.LogWarning(ex is TimeoutException ? null : ex,
                "Intake refused: PostgreSQL is unavailable or did not answer within {Budget}", options.Value.IntakeTimeout);
            context.Response.Headers.RetryAfter = "5";
            return Problem.Unavailable(ErrorCodes.DependencyUnavailable, "PostgreSQL is unavailable; the event was not accepted.",
                TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>The gate check and the intake transaction in a scope of their own; null when intake is paused.</summary>
    private static async Task<IntakeResult?> AcceptInOwnScopeAsync(IServiceScopeFactory scopes, IntakeGate gate, string publisher,
        string type, string payload, string? key, Func<bool> abandoned)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DistributorDbContext>();
        // Not the request's token: a cancelled token makes Npgsql run its cancellation handshake, which a hung server never
        // answers; each statement is bounded by the command timeout and the caller by IntakeTimeout (it never waits for this).
        var unbounded = CancellationToken.None; // why: bounded by the command timeout; the caller waits at most IntakeTimeout
        if (await gate.IsPausedAsync(db, unbounded))
        {
            return null;
        }

        return await scope.ServiceProvider.GetRequiredService<EventIntake>()
            .AcceptAsync(publisher, type, payload, key, unbounded, abandoned);
    }

    /// <summary>Lets abandoned intake work finish (or fail) in the background without an unobserved exception.</summary>
    private static async Task ObserveAbandonedAsync(Task work, ILogger logger)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Abandoned intake ended: {Error}", ex.Message);
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

    /// <summary>An admin reads any event; a publisher only its own (another's is 404, as if it did not exist).</summary>
    private static async Task<Results<Ok<EventView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, DistributorDbContext db,
        CancellationToken cancellationToken)
    {
        var stored = await Publishers.Visible(db.Events.AsNoTracking(), user)
            .Include(e => e.Distributions)
            .FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (stored is null)
        {
            return Problem.NotFound("Event");
        }

        using var payload = JsonDocument.Parse(stored.Payload);
        return TypedResults.Ok(new EventView(stored.Id, stored.Type, payload.RootElement.Clone(), stored.IdempotencyKey, stored.Publisher,
            stored.AcceptedAt,
            stored.Distributions.OrderBy(d => d.Sequence).Select(d => d.ToView(withAttempts: false)).ToList()));
    }
}
