namespace ChatService.Rag;

/// <summary>
/// A chunk that was given to the model, as the answer cites it: <see cref="Snippet"/> is the sentence or line that
/// matched the question (at most <c>Retrieval:SnippetChars</c>), <see cref="Score"/> the fused retrieval score,
/// <see cref="Similarity"/> the question ↔ passage cosine similarity (null when only full text found it) and
/// <see cref="Coverage"/> the share of the question's content words in the passage.
/// </summary>
public sealed record Citation(Guid DocumentId, string Title, string ChunkId, int? Page, string Snippet, double? Score = null,
    double? Similarity = null, double? Coverage = null);
