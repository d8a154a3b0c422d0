namespace ChatService.Rag;

/// <summary>The answer of one chat turn, as <c>POST /api/chat</c> returns it and a chat task stores it.</summary>
/// <param name="Degraded">Built from the retrieved passages because the LLM was unavailable.</param>
/// <param name="Partial">The LLM failed after tokens were produced; <paramref name="Error"/> says why.</param>
public sealed record ChatAnswer(
    Guid SessionId,
    Guid MessageId,
    string Answer,
    IReadOnlyList<Citation> Citations,
    bool Degraded,
    bool Partial,
    ChatUsage Usage,
    ChatTimings Timings,
    string? Error = null,
    bool Cached = false);
