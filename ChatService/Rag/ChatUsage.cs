namespace ChatService.Rag;

public sealed record ChatUsage(int PromptTokens, int CompletionTokens);
