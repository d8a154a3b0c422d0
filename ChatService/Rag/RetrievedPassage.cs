namespace ChatService.Rag;

/// <summary>
/// A chunk chosen for the prompt, with its fused score, its cosine similarity to the question (null when the vector
/// branch did not rank it), the share of the question's content words it holds and its best matching sentence.
/// </summary>
public sealed record RetrievedPassage(string ChunkId, Guid DocumentId, string Title, string Text, string? Heading, int? Page,
    int TokenCount, double Score, double? Similarity = null, double Coverage = 0, string? Match = null);
