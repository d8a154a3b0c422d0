namespace ChatService.Rag;

/// <summary>A chunk that was given to the model, as the answer cites it.</summary>
public sealed record Citation(Guid DocumentId, string Title, string ChunkId, int? Page, string Snippet);
