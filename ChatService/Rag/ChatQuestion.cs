namespace ChatService.Rag;

/// <summary>Body of <c>POST /api/chat</c> and <c>POST /api/chat/tasks</c>.</summary>
public sealed record ChatQuestion(string? Message, Guid? SessionId = null, int? TopK = null, IReadOnlyList<Guid>? DocumentIds = null);
