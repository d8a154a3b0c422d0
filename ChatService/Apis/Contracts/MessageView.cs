using ChatService.Rag;

namespace ChatService.Apis.Contracts;

/// <summary>A stored message; assistant messages carry citations, usage, timings and the degraded/partial flags.</summary>
public sealed record MessageView(
    Guid Id,
    string Role,
    string Content,
    IReadOnlyList<Citation> Citations,
    ChatUsage? Usage,
    ChatTimings? Timings,
    bool Degraded,
    bool Partial,
    string? Error,
    DateTimeOffset CreatedAt)
{
    public static MessageView From(Data.ChatMessage m) => new(
        m.Id, m.Role, m.Content, m.Citations,
        m.Role == "assistant" ? new ChatUsage(m.PromptTokens ?? 0, m.CompletionTokens ?? 0) : null,
        m.Role == "assistant" ? new ChatTimings(m.RetrievalMs ?? 0, m.FirstTokenMs, m.TotalMs ?? 0) : null,
        m.Degraded, m.Partial, m.Error, m.CreatedAt);
}
