using System.ComponentModel.DataAnnotations;
using LocalEmbeddings;
using ServiceDefaults.Resilience;

namespace ChatService.Llm;

/// <summary>Embedding budgets (section <c>Embeddings</c>).</summary>
public sealed class EmbeddingOptions
{
    public const string Section = "Embeddings";

    /// <summary>
    /// Which model embeds chunks and questions: <c>Auto</c> (Ollama when <c>ConnectionStrings__embed-model</c> is set,
    /// else the in-process model), <c>Ollama</c>, <c>Embedded</c> (all-MiniLM-L6-v2 in process) or <c>None</c>
    /// (full text only).
    /// </summary>
    public EmbeddingProvider Provider { get; set; } = EmbeddingProvider.Auto;

    /// <summary>The in-process model's threads, turns and batch (used when the provider resolves to embedded).</summary>
    public LocalEmbeddingOptions Embedded { get; set; } = new();

    /// <summary>Texts per <c>/api/embed</c> call (or per call of the in-process model) during ingestion.</summary>
    [Range(1, 512)]
    public int BatchSize { get; set; } = 32;

    /// <summary>Each batch attempt (in process: each call, waiting for a turn included).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan BatchTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(0, 5)]
    public int Retries { get; set; } = 2;

    /// <summary>Embedding the question of a chat: short, because the chat falls back to full text without it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public BreakerOptions Breaker { get; set; } = new();
}

/// <summary>See <see cref="EmbeddingOptions.Provider"/>.</summary>
public enum EmbeddingProvider
{
    Auto,
    Ollama,
    Embedded,
    None,
}
