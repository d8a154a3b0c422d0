namespace ChatService.Ingestion;

/// <summary>A paragraph of extracted text with the heading it sits under and its page (PDF only).</summary>
public sealed record TextBlock(string Text, string? Heading, int? Page);
