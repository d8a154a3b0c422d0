using Microsoft.Extensions.AI;

namespace ChatService.Llm;

/// <summary>
/// The configured chat and embedding models. A missing chat connection string leaves the chat client null: the service
/// still starts and answers degraded. The embedding generator is Ollama's (<c>embed-model</c>), the in-process model
/// (<see cref="EmbeddingOptions.Provider"/>) or null (provider <c>None</c>: documents stay <c>pending_index</c>).
/// </summary>
public sealed class LlmModels(
    OllamaConnection? chatConnection,
    IChatClient? chat,
    OllamaConnection? embedConnection,
    IEmbeddingGenerator<string, Embedding<float>>? embeddings,
    string? embeddingProvider = null,
    string? embeddingModel = null)
{
    public OllamaConnection? ChatConnection { get; } = chatConnection;

    public IChatClient? Chat { get; } = chat;

    /// <summary>Ollama's embedding model when the provider is <c>ollama</c>.</summary>
    public OllamaConnection? EmbedConnection { get; } = embedConnection;

    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings { get; } = embeddings;

    /// <summary><c>ollama</c> or <c>embedded</c>; null without an embedding generator.</summary>
    public string? EmbeddingProvider { get; } = embeddings is null ? null : embeddingProvider ?? "ollama";

    public string? EmbeddingModel { get; } = embeddings is null ? null : embeddingModel ?? embedConnection?.Model;

    public string ChatModelName => ChatConnection?.Model ?? "unconfigured";
}
