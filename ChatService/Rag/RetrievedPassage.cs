namespace ChatService.Rag;

/// <summary>A chunk chosen for the prompt, with its fused score.</summary>
public sealed record RetrievedPassage(string ChunkId, Guid DocumentId, string Title, string Text, string? Heading, int? Page,
    int TokenCount, double Score);
