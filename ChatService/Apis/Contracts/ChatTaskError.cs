namespace ChatService.Apis.Contracts;

public sealed record ChatTaskError(string? Code, string? Message);
