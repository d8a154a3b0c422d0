using System.Security.Claims;
using ChatService.Apis.Contracts;
using ChatService.Apis.Paging;
using ChatService.Data;
using ChatService.Rag;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ServiceDefaults.Auth;
using ServiceDefaults.Paging;
using ServiceDefaults.Problems;
using ServiceDefaults.Requests;

namespace ChatService.Apis;

public static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/sessions").WithTags("Sessions");
        group.MapPost("/", Create);
        group.MapGet("/", List);
        group.MapGet("/{id:guid}/messages", Messages);
        group.MapDelete("/{id:guid}", Delete);
        return app;
    }

    private static async Task<Results<Created<SessionView>, Ok<SessionView>, ProblemHttpResult>> Create(
        CreateSessionRequest? body, IdempotencyKey idempotency, ClaimsPrincipal user,
        ChatDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (body?.Title is { Length: > 300 })
        {
            return Problem.Validation("title must be at most 300 characters.");
        }

        var idempotencyKey = idempotency.Value;
        var owner = user.GetUserId();
        if (idempotencyKey is not null
            && await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Owner == owner && s.IdempotencyKey == idempotencyKey,
                cancellationToken) is { } seen)
        {
            return TypedResults.Ok(View(seen));
        }

        var now = time.GetUtcNow();
        var session = new ChatSession { Id = Guid.CreateVersion7(now), Owner = owner, Title = body?.Title, IdempotencyKey = idempotencyKey,
            CreatedAt = now, UpdatedAt = now };
        db.Sessions.Add(session);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            var winner = await db.Sessions.AsNoTracking()
                .FirstAsync(s => s.Owner == owner && s.IdempotencyKey == idempotencyKey, cancellationToken);
            return TypedResults.Ok(View(winner));
        }

        return TypedResults.Created($"/api/sessions/{session.Id}", View(session));
    }

    private static async Task<Results<Ok<Page<SessionView>>, ProblemHttpResult>> List(
        int? limit, string? cursor, ClaimsPrincipal user, ChatDbContext db, CancellationToken cancellationToken)
    {
        if (ChatPaging.Check(limit, cursor, out var after) is { } problem)
        {
            return problem;
        }

        var owner = user.GetUserId();
        var take = limit ?? ChatPaging.DefaultLimit;
        var (items, next) = await KeysetPage.ReadAsync(db.Sessions.AsNoTracking().Where(s => s.Owner == owner), after, take,
            newestFirst: true, cancellationToken);
        return TypedResults.Ok(new Page<SessionView>(items.Select(View).ToList(), next));
    }

    private static async Task<Results<Ok<Page<MessageView>>, ProblemHttpResult>> Messages(
        Guid id, int? limit, string? cursor, ClaimsPrincipal user, ChatDbContext db, CancellationToken cancellationToken)
    {
        if (ChatPaging.Check(limit, cursor, out var after) is { } problem)
        {
            return problem;
        }

        var owner = user.GetUserId();
        if (!await db.Sessions.AnyAsync(s => s.Id == id && s.Owner == owner, cancellationToken))
        {
            return NotFound();
        }

        var take = limit ?? ChatPaging.DefaultLimit;
        var (items, next) = await KeysetPage.ReadAsync(db.Messages.AsNoTracking().Where(m => m.SessionId == id && m.Owner == owner),
            after, take, newestFirst: false, cancellationToken);
        return TypedResults.Ok(new Page<MessageView>(items.Select(MessageView.From).ToList(), next));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, ClaimsPrincipal user, ChatDbContext db, CancellationToken cancellationToken)
    {
        var owner = user.GetUserId();
        var deleted = await db.Sessions.Where(s => s.Id == id && s.Owner == owner).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? NotFound() : TypedResults.NoContent();
    }

    private static SessionView View(ChatSession s) => new(s.Id, s.Title, s.CreatedAt, s.UpdatedAt);

    private static ProblemHttpResult NotFound() => Problem.Of(404, ChatErrorCodes.SessionNotFound, "Session not found");
}
