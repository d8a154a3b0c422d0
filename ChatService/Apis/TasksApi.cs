using System.Security.Claims;
using ChatService.Apis.Contracts;
using ChatService.Data;
using ChatService.Rag;
using ChatService.Tasks;
using DurableJobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
using ServiceDefaults.Problems;
using ServiceDefaults.Requests;

namespace ChatService.Apis;

public static class TasksApi
{
    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/chat/tasks").WithTags("Chat tasks");
        group.MapPost("/", Create).RequireRateLimiting(ChatRateLimits.Chat);
        group.MapGet("/{id:guid}", Get);
        group.MapPost("/{id:guid}/cancel", Cancel);
        return app;
    }

    private static async Task<Results<Accepted<ChatTaskView>, Ok<ChatTaskView>, ProblemHttpResult>> Create(
        ChatQuestion question, IdempotencyKey idempotency, ClaimsPrincipal user,
        ChatTurnRunner runner, IJobScheduler jobs, ChatDbContext db, IOptions<ChatTaskOptions> options, CancellationToken cancellationToken)
    {
        var owner = user.GetUserId();
        var key = idempotency.Value is { } idempotencyKey ? $"{owner}:{idempotencyKey}" : null;
        try
        {
            // Accepting = persisting: the user message and the job row commit together.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var turn = await runner.PrepareAsync(owner, question, cancellationToken);
            var payload = new ChatTaskPayload(turn.SessionId, turn.UserMessageId, turn.TopK, turn.DocumentIds);
            var result = await jobs.EnqueueAsync(payload,
                new EnqueueOptions(owner, key, options.Value.Timeout, options.Value.MaxAttempts), cancellationToken);
            if (!result.Created)
            {
                // A repeated Idempotency-Key: drop this request's user message, answer with the existing task.
                await transaction.RollbackAsync(cancellationToken);
                return TypedResults.Ok(View(result.Job));
            }

            await transaction.CommitAsync(cancellationToken);
            return TypedResults.Accepted($"/api/chat/tasks/{result.Job.Id}", View(result.Job));
        }
        catch (ChatRejectedException ex)
        {
            return ChatProblems.From(ex);
        }
        catch (JobValidationException ex)
        {
            return Problem.Validation(ex.Message);
        }
    }

    private static async Task<Results<Ok<ChatTaskView>, ProblemHttpResult>> Get(
        Guid id, ClaimsPrincipal user, IJobScheduler jobs, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(id, cancellationToken);
        return IsOwnTask(job, user) ? TypedResults.Ok(View(job!)) : NotFound();
    }

    private static async Task<Results<Accepted<ChatTaskView>, ProblemHttpResult>> Cancel(
        Guid id, ClaimsPrincipal user, IJobScheduler jobs, Activity.ActivityHub activity, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(id, cancellationToken);
        if (!IsOwnTask(job, user))
        {
            return NotFound();
        }

        if (!await jobs.CancelAsync(id, cancellationToken))
        {
            return Problem.Of(409, ChatErrorCodes.TaskAlreadyFinished, "Task already finished", $"The task is {Status(job!.State)}.");
        }

        await activity.PublishAsync(user.GetUserId(), "task",
            new Dictionary<string, string?> { ["taskId"] = id.ToString(), ["status"] = "cancel_requested" }, cancellationToken);
        var current = await jobs.GetAsync(id, cancellationToken) ?? job!;
        return TypedResults.Accepted($"/api/chat/tasks/{id}", View(current));
    }

    private static bool IsOwnTask(JobSnapshot? job, ClaimsPrincipal user) =>
        job is not null && job.Queue == ChatTaskPayload.Queue && job.Owner == user.GetUserId();

    private static ChatTaskView View(JobSnapshot job) => new(
        job.Id,
        Status(job.State),
        job.State == JobState.Succeeded ? job.Result : null, // why: the job's stored result, not Task.Result
        job.ErrorCode is null && job.ErrorMessage is null ? null : new ChatTaskError(job.ErrorCode, job.ErrorMessage),
        job.CreatedAt,
        job.FinishedAt);

    public static string Status(JobState state) => state switch
    {
        JobState.Queued => "queued",
        JobState.Running => "running",
        JobState.Succeeded => "succeeded",
        JobState.Cancelled => "cancelled",
        JobState.TimedOut => "timed_out",
        _ => "failed",
    };

    private static ProblemHttpResult NotFound() => Problem.Of(404, ChatErrorCodes.TaskNotFound, "Task not found");
}
