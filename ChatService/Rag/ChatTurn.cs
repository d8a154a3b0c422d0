namespace ChatService.Rag;

/// <summary>A validated chat turn whose user message is stored: what <see cref="ChatTurnRunner.AnswerAsync"/> needs.</summary>
public sealed record ChatTurn(
    string Owner,
    Guid SessionId,
    string Question,
    int TopK,
    IReadOnlyList<Guid>? DocumentIds,
    IReadOnlyList<Data.ChatMessage> History,
    long StartedTimestamp,
    Guid UserMessageId);
