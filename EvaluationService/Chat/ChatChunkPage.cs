namespace EvaluationService.Chat;

/// <summary>ChatService <c>GET /api/documents/{id}/chunks</c>: <c>{items, nextCursor}</c>.</summary>
public sealed record ChatChunkPage(IReadOnlyList<ChatChunkItem>? Items, string? NextCursor);
