using ChatService.Llm;
using LocalEmbeddings;
using Microsoft.Extensions.AI;

namespace ChatService.Tests;

/// <summary>
/// The in-process all-MiniLM-L6-v2 generator (no server): real vectors, batching, cancellation between batches, a
/// bounded number of inferences at once, and the provider choice. The model is the process's one instance.
/// </summary>
public sealed class EmbeddedEmbeddingTests
{
    [Fact]
    public async Task Vectors_are_384_dimensional_unit_vectors_and_a_paraphrase_is_nearer_than_an_unrelated_sentence()
    {
        using var generator = new MiniLmEmbeddingGenerator(new LocalEmbeddingOptions { BatchSize = 2 });
        var vectors = await generator.GenerateAsync([
            "How long did the eruption of the volcano last?",
            "The volcanic eruption went on for thirteen months.",
            "Invoices are paid within thirty days of receipt.",
        ]);

        Assert.Equal(3, vectors.Count); // three texts in batches of two: both batches were embedded, in order
        Assert.All(vectors, v => Assert.Equal(MiniLmModel.Dimensions, v.Vector.Length));
        Assert.All(vectors, v => Assert.InRange(MiniLmModel.Cosine(v.Vector.Span, v.Vector.Span), 0.999, 1.001));
        var related = MiniLmModel.Cosine(vectors[0].Vector.Span, vectors[1].Vector.Span);
        var unrelated = MiniLmModel.Cosine(vectors[0].Vector.Span, vectors[2].Vector.Span);
        Assert.True(related > unrelated + 0.2, $"paraphrase {related:F3} vs unrelated {unrelated:F3}");
        Assert.Equal(MiniLmModel.ModelName, generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
    }

    [Fact]
    public async Task A_cancelled_call_stops_between_batches()
    {
        using var generator = new MiniLmEmbeddingGenerator(new LocalEmbeddingOptions { BatchSize = 1 });
        await generator.WarmUpAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var texts = Enumerable.Range(0, 2000).Select(i => $"sentence number {i} about lighthouses and their keepers").ToList();
        var call = generator.GenerateAsync(texts, cancellationToken: cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public async Task With_one_turn_a_second_call_waits_until_the_first_is_done()
    {
        using var generator = new MiniLmEmbeddingGenerator(new LocalEmbeddingOptions { MaxConcurrency = 1, BatchSize = 4 });
        await generator.WarmUpAsync(CancellationToken.None);
        var many = Enumerable.Range(0, 400).Select(i => $"a long list of sentences, this one is number {i}").ToList();
        using var cts = new CancellationTokenSource();
        var first = generator.GenerateAsync(many, cancellationToken: cts.Token);
        var second = generator.GenerateAsync(["one more"], cancellationToken: cts.Token);
        var sawWaiting = false;
        for (var i = 0; i < 2000 && !first.IsCompleted && !sawWaiting; i++)
        {
            sawWaiting = generator.Waiting > 0;
            await Task.Delay(5);
        }

        await cts.CancelAsync();
        await Task.WhenAll(first, second).ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.True(sawWaiting, "a call should wait for the one turn while another inference runs");
    }

    [Theory]
    [InlineData(EmbeddingProvider.Auto, true, EmbeddingProvider.Ollama)]
    [InlineData(EmbeddingProvider.Auto, false, EmbeddingProvider.Embedded)]
    [InlineData(EmbeddingProvider.Embedded, true, EmbeddingProvider.Embedded)]
    [InlineData(EmbeddingProvider.None, false, EmbeddingProvider.None)]
    [InlineData(EmbeddingProvider.Ollama, false, EmbeddingProvider.Ollama)]
    public void The_provider_is_ollama_with_an_embed_model_connection_else_embedded(
        EmbeddingProvider configured, bool connection, EmbeddingProvider expected)
    {
        var embed = connection ? new OllamaConnection(new Uri("http://127.0.0.1:1"), "all-minilm") : null;
        Assert.Equal(expected, LlmRegistration.ResolveProvider(configured, embed));
    }

    [Theory]
    [InlineData("embedded:all-MiniLM-L6-v2:384", "embedded", "all-MiniLM-L6-v2", 384)]
    [InlineData("ollama:nomic-embed-text:latest:768", "ollama", "nomic-embed-text:latest", 768)]
    public void Embedding_space_keys_round_trip(string key, string provider, string model, int dimensions)
    {
        var space = EmbeddingSpace.TryParse(key);
        Assert.Equal(new EmbeddingSpace(provider, model, dimensions), space);
        Assert.Equal(key, space!.Key);
    }

    [Theory]
    [InlineData("all-minilm")]
    [InlineData("ollama:all-minilm")]
    [InlineData(null)]
    public void A_key_without_dimension_is_not_a_space(string? key) => Assert.Null(EmbeddingSpace.TryParse(key));
}
