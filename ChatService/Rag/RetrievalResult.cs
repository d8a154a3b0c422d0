namespace ChatService.Rag;

/// <summary>Passages for the prompt; <see cref="VectorSearchUsed"/> false when Chroma or embeddings were unavailable.</summary>
/// <param name="QuestionVector">
/// The question's embedding when the vector branch computed it (the degraded answer ranks sentences against it instead
/// of embedding the question again); null when the branch was unavailable.
/// </param>
public sealed record RetrievalResult(IReadOnlyList<RetrievedPassage> Passages, bool VectorSearchUsed, bool FullTextUsed,
    float[]? QuestionVector = null);
