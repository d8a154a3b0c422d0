using System.Text.Json;

namespace OllamaSimulator;

/// <summary>What a client sent to a model endpoint, as the simulator parsed it.</summary>
/// <param name="Endpoint"><c>chat</c>, <c>generate</c>, <c>embed</c> or <c>embeddings</c>.</param>
/// <param name="Messages">Chat messages; for generate, the <c>system</c> and <c>prompt</c> as system/user messages.</param>
/// <param name="Inputs">Embedding inputs; empty for chat and generate.</param>
/// <param name="Options">The raw <c>options</c> object, if any.</param>
public sealed record ReceivedRequest(
    string Endpoint,
    string Model,
    IReadOnlyList<ReceivedMessage> Messages,
    IReadOnlyList<string> Inputs,
    bool Stream,
    JsonElement? Format,
    JsonElement? Options,
    DateTimeOffset ReceivedAt)
{
    public int? NumPredict =>
        Options is { ValueKind: JsonValueKind.Object } options
        && options.TryGetProperty("num_predict", out var value)
        && value.TryGetInt32(out var number)
            ? number
            : null;

    public string? LastUserMessage => Messages.LastOrDefault(m => m.Role == "user")?.Content;
}
