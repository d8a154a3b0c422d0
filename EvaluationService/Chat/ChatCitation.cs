namespace EvaluationService.Chat;

public sealed record ChatCitation(string DocumentId, string? Title, string? ChunkId, int? Page, string? Snippet);
