namespace ChatService.Rag;

/// <summary>What the answer cache keeps of a complete (not degraded, not partial) answer.</summary>
public sealed record CachedAnswer(string Answer, IReadOnlyList<Citation> Citations, int PromptTokens, int CompletionTokens);
