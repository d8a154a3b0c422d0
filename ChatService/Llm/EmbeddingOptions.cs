using System.ComponentModel.DataAnnotations;
using ServiceDefaults.Resilience;

namespace ChatService.Llm;

/// <summary>Embedding budgets (section <c>Embeddings</c>).</summary>
public sealed class EmbeddingOptions
{
    public const string Section = "Embeddings";

    /// <summary>Texts per <c>/api/embed</c> call during ingestion.</summary>
    [Range(1, 512)]
    public int BatchSize { get; set; } = 32;

    /// <summary>Each batch attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan BatchTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(0, 5)]
    public int Retries { get; set; } = 2;

    /// <summary>Embedding the question of a chat: short, because the chat falls back to full text without it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public BreakerOptions Breaker { get; set; } = new();
}
