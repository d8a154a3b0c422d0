using System.Text.Json;

namespace OllamaSimulator;

/// <summary>Body of POST /api/embed; <c>input</c> is a string or an array of strings.</summary>
internal sealed record EmbedRequestBody(string? Model, JsonElement? Input, int? Dimensions, JsonElement? Options);

internal sealed record EmbedResponseBody(
    string Model,
    IReadOnlyList<float[]> Embeddings,
    long? TotalDuration,
    long? LoadDuration,
    int? PromptEvalCount);

/// <summary>Body of the legacy POST /api/embeddings.</summary>
internal sealed record LegacyEmbeddingsRequestBody(string? Model, string? Prompt, JsonElement? Options);

internal sealed record LegacyEmbeddingsResponseBody(IReadOnlyList<double> Embedding);
