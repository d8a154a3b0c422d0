namespace ChatService.Chroma;

/// <summary>One vector record: the chunk id, its embedding, text and owner/document metadata for filtering.</summary>
public sealed record ChromaRecord(string Id, float[] Embedding, string Document, string Owner, Guid DocumentId);
