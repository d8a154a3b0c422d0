namespace ChatService.Tasks;

/// <summary>Payload of the <c>chat-tasks</c> queue: a turn whose user message was stored when the task was accepted.</summary>
public sealed record ChatTaskPayload(Guid SessionId, Guid UserMessageId, int TopK, IReadOnlyList<Guid>? DocumentIds)
{
    public const string Queue = "chat-tasks";
}
