namespace OllamaSimulator;

internal sealed record SimulatedModel(string Name, bool IsEmbeddingOnly, string Digest, long Size, DateTimeOffset ModifiedAt)
{
    public ModelDetails Details => IsEmbeddingOnly
        ? new ModelDetails("", "gguf", "bert", ["bert"], "23M", "F16")
        : new ModelDetails("", "gguf", "llama", ["llama"], "3.2B", "Q4_K_M");

    public IReadOnlyList<string> Capabilities => IsEmbeddingOnly ? ["embedding"] : ["completion"];
}
