namespace OllamaSimulator;

/// <summary>
/// What the simulator pretends to have pulled. In standalone mode the values come from the
/// <c>Simulator</c> configuration section (<c>--Simulator:ChatModels=llama3.2,qwen2.5:0.5b</c>).
/// </summary>
public sealed record SimulatorOptions
{
    public const string SectionName = "Simulator";

    /// <summary>Models that answer /api/chat and /api/generate (and can embed, as real Ollama models can).</summary>
    public IReadOnlyList<string> ChatModels { get; init; } = ["llama3.2", "llama3.2:1b"];

    /// <summary>Models that only embed; chat or generate on them gives 400 "does not support ...".</summary>
    public IReadOnlyList<string> EmbeddingModels { get; init; } = ["all-minilm", "nomic-embed-text"];

    public int EmbeddingDimensions { get; init; } = 384;

    public string Version { get; init; } = "0.12.6";

    public int ContextLength { get; init; } = 8192;

    internal static SimulatorOptions FromConfiguration(IConfiguration section)
    {
        var defaults = new SimulatorOptions();
        return new SimulatorOptions
        {
            ChatModels = SplitList(section[nameof(ChatModels)]) ?? defaults.ChatModels,
            EmbeddingModels = SplitList(section[nameof(EmbeddingModels)]) ?? defaults.EmbeddingModels,
            EmbeddingDimensions = section.GetValue(nameof(EmbeddingDimensions), defaults.EmbeddingDimensions),
            Version = section[nameof(Version)] ?? defaults.Version,
            ContextLength = section.GetValue(nameof(ContextLength), defaults.ContextLength),
        };
    }

    internal void Validate()
    {
        if (ChatModels.Count + EmbeddingModels.Count == 0)
        {
            throw new ArgumentException("The simulator needs at least one model.");
        }

        if (EmbeddingDimensions is < 1 or > 8192)
        {
            throw new ArgumentOutOfRangeException(nameof(EmbeddingDimensions), EmbeddingDimensions, "Must be between 1 and 8192.");
        }
    }

    private static string[]? SplitList(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? null
            : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
