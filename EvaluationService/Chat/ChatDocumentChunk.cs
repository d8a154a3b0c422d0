namespace EvaluationService.Chat;

/// <summary>A passage of an ingested document, as suite generation needs it.</summary>
public sealed record ChatDocumentChunk(string DocumentId, string? Title, string ChunkId, string Text);
