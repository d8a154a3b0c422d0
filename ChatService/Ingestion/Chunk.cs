namespace ChatService.Ingestion;

/// <summary>A chunk before it is stored.</summary>
public sealed record Chunk(int Ordinal, string Text, string? Heading, int? Page, int TokenCount);
