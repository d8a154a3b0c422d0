using Microsoft.Extensions.AI;

namespace ChatService.Llm;

/// <summary>
/// The configured chat and embedding models. A missing connection string leaves the client null: the service
/// still starts, answers degraded and keeps documents as <c>pending_index</c>.
/// </summary>
public sealed class LlmModels(
    OllamaConnection? chatConnection,
    IChatClient? chat,
    OllamaConnection? embedConnection,
    IEmbeddingGenerator<string, Embedding<float>>? embeddings)
{
    public OllamaConnection? ChatConnection { get; } = chatConnection;

    public IChatClient? Chat { get; } = chat;

    public OllamaConnection? EmbedConnection { get; } = embedConnection;

    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings { get; } = embeddings;

    public string ChatModelName => ChatConnection?.Model ?? "unconfigured";
}
