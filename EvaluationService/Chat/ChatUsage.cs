namespace EvaluationService.Chat;

public sealed record ChatUsage(int PromptTokens, int CompletionTokens);
