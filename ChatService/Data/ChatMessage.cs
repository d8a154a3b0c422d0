namespace ChatService.Data;

/// <summary>One user or assistant turn. Assistant turns carry citations, usage, timings and quality flags.</summary>
public sealed class ChatMessage : IKeysetItem
{
    public Guid Id { get; set; }

    public Guid SessionId { get; set; }

    public required string Owner { get; set; }

    /// <summary><c>user</c> or <c>assistant</c>.</summary>
    public required string Role { get; set; }

    public required string Content { get; set; }

    /// <summary>jsonb array of <see cref="Rag.Citation"/>.</summary>
    public List<Rag.Citation> Citations { get; set; } = [];

    public int? PromptTokens { get; set; }

    public int? CompletionTokens { get; set; }

    public long? RetrievalMs { get; set; }

    public long? FirstTokenMs { get; set; }

    public long? TotalMs { get; set; }

    /// <summary>Built from retrieved passages because the LLM was unavailable.</summary>
    public bool Degraded { get; set; }

    /// <summary>The LLM failed after tokens were produced; <see cref="Content"/> is what arrived.</summary>
    public bool Partial { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public ChatSession? Session { get; set; }
}
