namespace ChatService.Llm;

/// <summary>
/// Sampling settings a caller may set (the OpenAI-compatible API passes <c>temperature</c>, <c>top_p</c>,
/// <c>max_tokens</c>, <c>stop</c> and <c>seed</c> through); null fields leave the model's defaults.
/// <see cref="MaxTokens"/> is capped by <see cref="LlmOptions.NumPredict"/>.
/// </summary>
public sealed record GenerationSettings(
    float? Temperature = null,
    float? TopP = null,
    int? MaxTokens = null,
    IReadOnlyList<string>? Stop = null,
    long? Seed = null);
