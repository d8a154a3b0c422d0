namespace ChatService.Apis.Contracts;

public sealed record CreateSessionRequest(string? Title);
