using ChatService.Activity;
using ChatService.Data;
using ChatService.Events;
using ChatService.Llm;
using ChatService.Rag;
using DurableJobs;
using DurableJobs.Events;
using Microsoft.Extensions.Options;

namespace ChatService.Tasks;

/// <summary>
/// Queue <c>chat-tasks</c>: answers a stored question in the background. Unlike the synchronous chat, an unavailable LLM
/// is not answered degraded but retried (with the queue's backoff) within the task's attempts and timeout.
/// When the job's token fires (cancel request, timeout, shutdown) the <see cref="OperationCanceledException"/> is let
/// through, also while tokens stream, so DurableJobs records <c>cancelled</c> / <c>timed_out</c> / released rather than a
/// partial success. <c>chat.task.completed</c> is staged with the stored answer (same SaveChanges), <c>chat.task.failed</c>
/// when the task fails for good.
/// </summary>
public sealed class ChatTaskHandler(
    ChatTurnRunner runner,
    ActivityHub activity,
    EventPublisher events,
    ChatDbContext db,
    TimeProvider time,
    IOptions<LlmOptions> llm) : IJobHandler<ChatTaskPayload>
{
    public async Task<object?> HandleAsync(ChatTaskPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var owner = job.Owner ?? throw new PermanentJobException("INVALID_PAYLOAD", "A chat task needs an owner.");
        var turn = await runner.ResumeAsync(owner, payload.SessionId, payload.UserMessageId, payload.TopK, payload.DocumentIds,
            cancellationToken)
                   ?? throw new PermanentJobException(ChatErrorCodes.SessionNotFound, "The task's session or message was deleted.");
        turn = turn with { OnStoring = answer => events.StageTaskCompleted(job.JobId, answer) };
        await PublishAsync(owner, job.JobId, "running", cancellationToken);
        try
        {
            var answer = await runner.AnswerAsync(turn, static (_, _) => ValueTask.CompletedTask, TurnBudget.Background(llm.Value),
                allowDegraded: false, cancellationToken);
            // why: bounded best-effort notice about an outcome that already happened
            await PublishAsync(owner, job.JobId, "succeeded", CancellationToken.None);
            return answer;
        }
        catch (LlmUnavailableException) when (job.Attempt < job.MaxAttempts)
        {
            // why: bounded best-effort notice about an outcome that already happened
            await PublishAsync(owner, job.JobId, "retrying", CancellationToken.None);
            throw;
        }
        catch (LlmUnavailableException ex)
        {
            if (events.Enabled)
            {
                // why: this attempt decides the failure; the event commits before the job's outcome is written. A rerun after a
                // crash in between stages it again under the same key: the distributor keeps the first (the second is 422)
                events.StageTaskFailed(job.JobId, owner, payload.SessionId, ex.Code, ex.Message, time.GetUtcNow());
                // why: bounded by the database command timeout; the failure already happened
                await db.SaveChangesAsync(CancellationToken.None);
            }

            // why: bounded best-effort notice about an outcome that already happened
            await PublishAsync(owner, job.JobId, "failed", CancellationToken.None);
            throw new PermanentJobException(ex.Code, ex.Message, ex);
        }
    }

    private Task PublishAsync(string owner, Guid taskId, string status, CancellationToken cancellationToken) =>
        activity.PublishAsync(owner, "task", new Dictionary<string, string?> { ["taskId"] = taskId.ToString(), ["status"] = status },
            cancellationToken);
}
