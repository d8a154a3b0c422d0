using System.Text.Json;

namespace OllamaSimulator;

/// <summary>Body of POST /api/chat (fields the simulator uses; the rest is ignored like unknown keys).</summary>
internal sealed record ChatRequestBody(
    string? Model,
    IReadOnlyList<WireMessage>? Messages,
    bool? Stream,
    JsonElement? Format,
    JsonElement? Options,
    JsonElement? KeepAlive);

/// <summary>Body of POST /api/generate.</summary>
internal sealed record GenerateRequestBody(
    string? Model,
    string? Prompt,
    string? System,
    bool? Stream,
    JsonElement? Format,
    JsonElement? Options,
    JsonElement? KeepAlive);

internal sealed record WireMessage(string? Role, string? Content);

/// <summary>
/// One streamed line, or the whole non-streamed answer. Chat fills <see cref="Message"/>, generate fills
/// <see cref="Response"/>; the final line carries done_reason and the metrics (null, i.e. omitted, elsewhere).
/// </summary>
internal sealed record CompletionLine
{
    public required string Model { get; init; }

    public required string CreatedAt { get; init; }

    public WireMessage? Message { get; init; }

    public string? Response { get; init; }

    public bool Done { get; init; }

    public string? DoneReason { get; init; }

    public long? TotalDuration { get; init; }

    public long? LoadDuration { get; init; }

    public int? PromptEvalCount { get; init; }

    public long? PromptEvalDuration { get; init; }

    public int? EvalCount { get; init; }

    public long? EvalDuration { get; init; }
}
