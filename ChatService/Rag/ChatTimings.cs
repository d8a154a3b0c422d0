namespace ChatService.Rag;

/// <summary>Where a turn's time went, in milliseconds.</summary>
/// <param name="RetrievalMs">
/// From the start of the vector branch (the question's embedding, which runs beside the answer-cache lookup) to the
/// passages; 0 for an answer from the cache.
/// </param>
/// <param name="FirstTokenMs">From the start of generation to its first token; null when none came.</param>
/// <param name="TotalMs">From the start of the turn (validation) to the answer, as it is stored.</param>
public sealed record ChatTimings(long RetrievalMs, long? FirstTokenMs, long TotalMs);
