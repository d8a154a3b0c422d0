namespace EvaluationService.Chat;

/// <summary>The part of ChatService's <c>GET /api/documents/{id}</c> that suite generation uses.</summary>
public sealed record ChatDocumentInfo(string? Title);
