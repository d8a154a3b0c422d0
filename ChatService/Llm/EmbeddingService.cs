using System.Security.Cryptography;
using System.Text;
using ChatService.Caching;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatService.Llm;

/// <summary>
/// Embeds chunks in batches (ingestion) and questions (chat, cached by <see cref="QueryEmbeddingCache"/>) with the
/// configured provider. For Ollama, per-attempt timeouts, retries and the <c>embeddings</c> breaker live in the
/// <c>ollama-embed</c> HttpClient pipeline; the in-process model runs behind the same breaker
/// (<see cref="GuardedEmbeddingGenerator"/>).
/// </summary>
public sealed class EmbeddingService(
    LlmModels models,
    QueryEmbeddingCache cache,
    IOptions<EmbeddingOptions> options)
{
    public const string BreakerName = "embeddings";

    public bool IsConfigured => models.Embeddings is not null;

    /// <summary><c>ollama</c> or <c>embedded</c>; null when no provider is configured.</summary>
    public string? Provider => models.EmbeddingProvider;

    public string? ModelName => models.EmbeddingModel;

    /// <summary>The prefix of <see cref="EmbeddingSpace.Key"/> of every space this provider and model write.</summary>
    public string? ModelKey => Provider is { } provider && ModelName is { } model ? EmbeddingSpace.ModelKey(provider, model) : null;

    /// <summary>The space vectors of <paramref name="dimensions"/> from this provider belong to.</summary>
    public EmbeddingSpace SpaceFor(int dimensions) =>
        new(Provider ?? throw NotConfigured(), ModelName ?? throw NotConfigured(), dimensions);

    public async Task<IReadOnlyList<float[]>> EmbedManyAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var generator = RequireGenerator();
        var result = new List<float[]>(texts.Count);
        foreach (var batch in texts.Chunk(options.Value.BatchSize))
        {
            var embeddings = await generator.GenerateAsync(batch, cancellationToken: cancellationToken);
            if (embeddings.Count != batch.Length)
            {
                throw new InvalidOperationException($"The embedding model returned {embeddings.Count} vectors for {batch.Length} inputs.");
            }

            result.AddRange(embeddings.Select(e => e.Vector.ToArray()));
        }

        return result;
    }

    /// <summary>The question's vector, from the cache when it was embedded before; bounded by
    /// <see cref="EmbeddingOptions.QueryTimeout"/>.</summary>
    public async Task<float[]> EmbedQueryAsync(string text, CancellationToken cancellationToken)
    {
        var generator = RequireGenerator();
        var key = $"chat:embq:{ModelKey}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))}";
        if (await cache.GetAsync(key, cancellationToken) is { } cached)
        {
            return cached;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.QueryTimeout);
        var embeddings = await generator.GenerateAsync([text], cancellationToken: timeout.Token);
        var vector = embeddings[0].Vector.ToArray();
        await cache.SetAsync(key, vector);
        return vector;
    }

    private IEmbeddingGenerator<string, Embedding<float>> RequireGenerator() => models.Embeddings ?? throw NotConfigured();

    private static LlmUnavailableException NotConfigured() => new("EMBEDDINGS_UNAVAILABLE",
        "No embedding model is configured (Embeddings:Provider, ConnectionStrings__embed-model).");
}
