namespace ChatService.Rag;

/// <summary>Passages for the prompt; <see cref="VectorSearchUsed"/> false when Chroma or embeddings were unavailable.</summary>
public sealed record RetrievalResult(IReadOnlyList<RetrievedPassage> Passages, bool VectorSearchUsed, bool FullTextUsed);
