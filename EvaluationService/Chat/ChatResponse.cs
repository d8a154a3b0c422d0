namespace EvaluationService.Chat;

/// <summary>ChatService's answer: <c>{sessionId, messageId, answer, citations, degraded, usage, timings}</c>.</summary>
public sealed record ChatResponse(
    Guid? SessionId,
    Guid? MessageId,
    string? Answer,
    IReadOnlyList<ChatCitation>? Citations,
    bool Degraded,
    ChatUsage? Usage,
    ChatTimings? Timings);
