namespace ChatService.Apis.Contracts;

public sealed record SessionView(Guid Id, string? Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
