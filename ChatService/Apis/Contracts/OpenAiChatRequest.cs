using System.Text.Json.Serialization;

namespace ChatService.Apis.Contracts;

/// <summary>The subset of an OpenAI chat-completions request the RAG pipeline uses.</summary>
public sealed record OpenAiChatRequest(
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("messages")] IReadOnlyList<OpenAiMessage>? Messages,
    [property: JsonPropertyName("stream")] bool? Stream,
    [property: JsonPropertyName("user")] string? User);
