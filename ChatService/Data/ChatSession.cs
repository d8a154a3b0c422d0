namespace ChatService.Data;

/// <summary>A conversation owned by one user.</summary>
public sealed class ChatSession : IKeysetItem
{
    public Guid Id { get; set; }

    public required string Owner { get; set; }

    public string? Title { get; set; }

    /// <summary>The caller's Idempotency-Key on creation, unique per owner.</summary>
    public string? IdempotencyKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<ChatMessage> Messages { get; set; } = [];
}
