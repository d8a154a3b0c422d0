using Microsoft.Extensions.AI;
using Polly;

namespace ChatService.Llm;

/// <summary>
/// Runs every call of the in-process model through the <c>embeddings</c> pipeline (breaker + per-call timeout), as the
/// <c>ollama-embed</c> HttpClient pipeline does for Ollama: a model that keeps failing or timing out is refused at once
/// while the breaker is open, and admin isolate/reset work the same for both providers.
/// </summary>
internal sealed class GuardedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, ResiliencePipeline pipeline)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        return await pipeline.ExecuteAsync(
            static (state, ct) => new ValueTask<GeneratedEmbeddings<Embedding<float>>>(
                state.inner.GenerateAsync(state.texts, state.options, ct)),
            (inner: InnerGenerator, texts, options),
            cancellationToken);
    }
}
