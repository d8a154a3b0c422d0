namespace ChatService.Rag;

public sealed record ChatTimings(long RetrievalMs, long? FirstTokenMs, long TotalMs);
