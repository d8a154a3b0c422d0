using ChatService.Data;
using DurableJobs.Events;

namespace ChatService.Events;

/// <summary>
/// The events ChatService posts to DistributorService (types <c>document.*</c> and <c>chat.*</c>, which DistributorService's
/// <c>Distributor:Publishers:chatservice</c> grants). Each is staged with <see cref="EventPublisher"/> in the same
/// <c>SaveChanges</c> as the state change it reports; the idempotency key names the fact, so a repeated send is one event.
/// </summary>
public static class ChatEvents
{
    /// <summary>The events queue of ChatService (DurableJobs; queue names are unique across the services' shared Redis).</summary>
    public const string Queue = "chat-events";

    /// <summary>ChatService's publisher identity (<c>sub</c> of its token for DistributorService).</summary>
    public const string Identity = "chatservice";

    public const string DocumentReady = "document.ready";
    public const string DocumentFailed = "document.failed";
    public const string TaskCompleted = "chat.task.completed";
    public const string TaskFailed = "chat.task.failed";

    /// <summary>Stages <c>document.ready</c> (key <c>document.ready:{id}</c>): the document is searchable by full text and
    /// vectors.</summary>
    public static void StageReady(this EventPublisher events, Document document) =>
        events.Stage(DocumentReady, new DocumentReadyEvent(document.Id, document.Owner, document.Title, document.FileName, document.Kind,
            document.SizeBytes, document.ChunkCount, document.UpdatedAt), $"{DocumentReady}:{document.Id:N}", document.Owner);

    /// <summary>Stages <c>document.failed</c> (key <c>document.failed:{id}</c>) with the reason the document could not be read.</summary>
    public static void StageFailed(this EventPublisher events, Document document) =>
        events.Stage(DocumentFailed, new DocumentFailedEvent(document.Id, document.Owner, document.Title, document.FileName, document.Kind,
            document.Error ?? "unknown", document.UpdatedAt), $"{DocumentFailed}:{document.Id:N}", document.Owner);

    /// <summary>Stages <c>chat.task.completed</c> (key <c>chat.task.completed:{taskId}</c>) with the stored answer's id.</summary>
    public static void StageTaskCompleted(this EventPublisher events, Guid taskId, ChatMessage answer) =>
        events.Stage(TaskCompleted,
            new ChatTaskCompletedEvent(taskId, answer.Owner, answer.SessionId, answer.Id, answer.Partial, answer.CreatedAt),
            $"{TaskCompleted}:{taskId:N}", answer.Owner);

    /// <summary>Stages <c>chat.task.failed</c> (key <c>chat.task.failed:{taskId}</c>) with the error code and reason.</summary>
    public static void StageTaskFailed(this EventPublisher events, Guid taskId, string owner, Guid sessionId, string code, string reason,
        DateTimeOffset failedAt) =>
        events.Stage(TaskFailed, new ChatTaskFailedEvent(taskId, owner, sessionId, code, reason, failedAt), $"{TaskFailed}:{taskId:N}",
            owner);
}

/// <summary>Payload of <c>document.ready</c>.</summary>
public sealed record DocumentReadyEvent(Guid DocumentId, string Owner, string Title, string FileName, string Kind, long SizeBytes,
    int Chunks, DateTimeOffset ReadyAt);

/// <summary>Payload of <c>document.failed</c>.</summary>
public sealed record DocumentFailedEvent(Guid DocumentId, string Owner, string Title, string FileName, string Kind, string Reason,
    DateTimeOffset FailedAt);

/// <summary>Payload of <c>chat.task.completed</c>.</summary>
public sealed record ChatTaskCompletedEvent(Guid TaskId, string Owner, Guid SessionId, Guid MessageId, bool Partial,
    DateTimeOffset CompletedAt);

/// <summary>Payload of <c>chat.task.failed</c>.</summary>
public sealed record ChatTaskFailedEvent(Guid TaskId, string Owner, Guid SessionId, string Code, string Reason, DateTimeOffset FailedAt);
