using System.Collections.Concurrent;

namespace ChatService.Chroma;

/// <summary>Collection ids by embedding model (record endpoints take the id, not the name).</summary>
public sealed class ChromaCollections
{
    private readonly ConcurrentDictionary<string, string> _ids = new(StringComparer.Ordinal);

    public bool TryGet(string embeddingModel, out string id) => _ids.TryGetValue(embeddingModel, out id!);

    public void Set(string embeddingModel, string id) => _ids[embeddingModel] = id;

    public void Forget(string embeddingModel) => _ids.TryRemove(embeddingModel, out _);
}
