using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatService.Apis.Contracts;

/// <summary>An OpenAI message; <c>content</c> is a string or an array of content parts (text parts are joined).</summary>
public sealed record OpenAiMessage(
    [property: JsonPropertyName("role")] string? Role,
    [property: JsonPropertyName("content")] JsonElement Content)
{
    public string Text() => Content.ValueKind switch
    {
        JsonValueKind.String => Content.GetString() ?? "",
        JsonValueKind.Array => string.Join("\n", Content.EnumerateArray()
            .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out _))
            .Select(p => p.GetProperty("text").GetString())),
        _ => "",
    };
}
