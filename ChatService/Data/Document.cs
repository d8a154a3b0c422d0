namespace ChatService.Data;

/// <summary>An uploaded document; its bytes live in <see cref="DocumentContent"/>, its text in <see cref="DocumentChunk"/>s.</summary>
public sealed class Document : IKeysetItem
{
    public Guid Id { get; set; }

    public required string Owner { get; set; }

    public required string Title { get; set; }

    public required string FileName { get; set; }

    /// <summary><c>txt</c>, <c>md</c>, <c>pdf</c> or <c>csv</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>SHA-256 of the bytes (hex): identical content for the same owner is ingested once.</summary>
    public required string ContentHash { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>One of <see cref="DocumentStatus"/>.</summary>
    public required string Status { get; set; }

    public string? Error { get; set; }

    public int ChunkCount { get; set; }

    /// <summary>The embedding model whose Chroma collection holds this document's vectors, once indexed.</summary>
    public string? EmbeddingModel { get; set; }

    /// <summary>How many times vector indexing was tried; part of the re-index job's idempotency key.</summary>
    public int IndexAttempts { get; set; }

    /// <summary>The text-search configuration its chunks are indexed with (<c>english</c>, <c>italian</c>, …, <c>simple</c>).</summary>
    public string? Language { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DocumentContent? Content { get; set; }
}
