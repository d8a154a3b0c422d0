using System.Security.Cryptography;
using System.Text;

namespace OllamaSimulator;

/// <summary>The models the simulator pretends to have pulled; names match as Ollama does (missing tag = latest).</summary>
internal sealed class ModelCatalog
{
    private readonly Dictionary<string, SimulatedModel> models = new(StringComparer.OrdinalIgnoreCase);

    public ModelCatalog(SimulatorOptions options, TimeProvider timeProvider)
    {
        var modifiedAt = timeProvider.GetUtcNow();
        foreach (var name in options.ChatModels)
        {
            Add(new SimulatedModel(Normalize(name), false, DigestOf(name), 2_019_393_189, modifiedAt));
        }

        foreach (var name in options.EmbeddingModels)
        {
            Add(new SimulatedModel(Normalize(name), true, DigestOf(name), 45_960_996, modifiedAt));
        }
    }

    public IReadOnlyCollection<SimulatedModel> All => models.Values;

    public SimulatedModel? Find(string? name) =>
        !string.IsNullOrWhiteSpace(name) && models.TryGetValue(Normalize(name), out var model) ? model : null;

    private static string Normalize(string name)
    {
        var lastSegment = name[(name.LastIndexOf('/') + 1)..];
        return lastSegment.Contains(':', StringComparison.Ordinal) ? name : name + ":latest";
    }

    private static string DigestOf(string name) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));

    private void Add(SimulatedModel model) => models.TryAdd(model.Name, model);
}
