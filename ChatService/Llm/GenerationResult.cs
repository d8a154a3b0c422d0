namespace ChatService.Llm;

/// <summary>What a generation produced. <see cref="Partial"/> means it failed after tokens were streamed.</summary>
public sealed record GenerationResult(
    string Text,
    int? PromptTokens,
    int? CompletionTokens,
    long? FirstTokenMs,
    bool Partial,
    string? ErrorCode,
    string? ErrorMessage);
