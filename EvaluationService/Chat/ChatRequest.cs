namespace EvaluationService.Chat;

/// <summary>Body of ChatService <c>POST /api/chat</c>.</summary>
public sealed record ChatRequest(string Message, Guid? SessionId = null, int? TopK = null, IReadOnlyList<string>? DocumentIds = null);
