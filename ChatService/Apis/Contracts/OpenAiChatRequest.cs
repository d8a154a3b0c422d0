using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatService.Apis.Contracts;

/// <summary>
/// An OpenAI chat-completions request. Honoured: <c>model</c>, <c>messages</c>, <c>stream</c>, <c>temperature</c>,
/// <c>top_p</c>, <c>max_tokens</c> / <c>max_completion_tokens</c>, <c>stop</c>, <c>seed</c>, <c>n</c> (1 only),
/// <c>user</c>. Refused with an OpenAI-shaped 400: <c>tools</c>, <c>functions</c>, <c>n</c> above 1.
/// </summary>
public sealed record OpenAiChatRequest(
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("messages")] IReadOnlyList<OpenAiMessage>? Messages,
    [property: JsonPropertyName("stream")] bool? Stream,
    [property: JsonPropertyName("user")] string? User)
{
    [JsonPropertyName("temperature")]
    public float? Temperature { get; init; }

    [JsonPropertyName("top_p")]
    public float? TopP { get; init; }

    [JsonPropertyName("max_tokens")]
    public int? MaxTokens { get; init; }

    [JsonPropertyName("max_completion_tokens")]
    public int? MaxCompletionTokens { get; init; }

    /// <summary>A string or an array of up to 4 strings.</summary>
    [JsonPropertyName("stop")]
    public JsonElement? Stop { get; init; }

    [JsonPropertyName("seed")]
    public long? Seed { get; init; }

    [JsonPropertyName("n")]
    public int? N { get; init; }

    [JsonPropertyName("tools")]
    public JsonElement? Tools { get; init; }

    [JsonPropertyName("functions")]
    public JsonElement? Functions { get; init; }
}
