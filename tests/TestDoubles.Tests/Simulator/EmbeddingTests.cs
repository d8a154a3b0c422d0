using System.Net;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OllamaSharp.Models;
using OllamaSimulator;

namespace TestDoubles.Tests.Simulator;

public sealed class EmbeddingTests
{
    [Fact]
    public async Task Embed_returns_one_normalised_384_dimension_vector_per_input()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress);

        var response = await ollama.EmbedAsync(
            new EmbedRequest { Model = "all-minilm", Input = ["first text", "second text", ""] }, budget.Token);

        Assert.Equal(3, response.Embeddings.Count);
        Assert.All(response.Embeddings, v => Assert.Equal(384, v.Length));
        Assert.All(response.Embeddings, v => Assert.Equal(1.0, VectorMath.Norm(v), 3));
        Assert.Equal(1, simulator.EmbedRequests);
    }

    [Fact]
    public async Task Similarity_through_IEmbeddingGenerator_ranks_texts_by_shared_words()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "all-minilm");
        IEmbeddingGenerator<string, Embedding<float>> generator = ollama;

        var vectors = await generator.GenerateAsync(
            [
                "How do circuit breakers protect webhook destinations?",
                "Each webhook destination has its own circuit breaker that opens after failures.",
                "Webhook deliveries are signed with HMAC.",
                "Paris is the capital of France.",
            ],
            cancellationToken: budget.Token);

        var query = vectors[0].Vector.Span;
        var close = VectorMath.Cosine(query, vectors[1].Vector.Span);
        var partial = VectorMath.Cosine(query, vectors[2].Vector.Span);
        var unrelated = VectorMath.Cosine(query, vectors[3].Vector.Span);
        Assert.True(close > partial, $"{close} > {partial}");
        Assert.True(partial > unrelated, $"{partial} > {unrelated}");
    }

    [Fact]
    public async Task Same_text_always_gets_the_same_vector()
    {
        using var budget = TestBudget.Start();
        await using var first = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        await using var second = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var a = new OllamaApiClient(first.BaseAddress, "all-minilm");
        using var b = new OllamaApiClient(second.BaseAddress, "all-minilm");

        var va = (await a.EmbedAsync("Retries use exponential backoff", budget.Token)).Embeddings[0];
        var vb = (await b.EmbedAsync("Retries use exponential backoff", budget.Token)).Embeddings[0];

        Assert.Equal(va, vb);
    }

    [Fact]
    public async Task Dimensions_option_gives_shorter_normalised_vectors()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "all-minilm");
        IEmbeddingGenerator<string, Embedding<float>> generator = ollama;

        var vector = await generator.GenerateVectorAsync(
            "short vector please", new EmbeddingGenerationOptions { Dimensions = 64 }, budget.Token);

        Assert.Equal(64, vector.Length);
        Assert.Equal(1.0, VectorMath.Norm(vector.Span), 3);
    }

    [Fact]
    public async Task Empty_input_gives_an_empty_embedding_list_and_unknown_model_gives_404()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient { BaseAddress = simulator.BaseAddress };

        using var empty = await http.PostAsync("api/embed", new StringContent("{\"model\":\"all-minilm\",\"input\":[]}"), budget.Token);
        using var unknown = await http.PostAsync("api/embed", new StringContent("{\"model\":\"nope\",\"input\":\"x\"}"), budget.Token);
        using var invalid = await http.PostAsync("api/embed", new StringContent("{\"model\":\"all-minilm\",\"input\":[1]}"), budget.Token);

        using var emptyJson = JsonDocument.Parse(await empty.Content.ReadAsStringAsync(budget.Token));
        Assert.Equal(0, emptyJson.RootElement.GetProperty("embeddings").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("{\"error\":\"model 'nope' not found\"}", await unknown.Content.ReadAsStringAsync(budget.Token));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task Legacy_embeddings_endpoint_returns_a_single_vector()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient { BaseAddress = simulator.BaseAddress };

        using var response = await http.PostAsync(
            "api/embeddings", new StringContent("{\"model\":\"all-minilm\",\"prompt\":\"hello world\"}"), budget.Token);

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(budget.Token));
        Assert.Equal(384, json.RootElement.GetProperty("embedding").GetArrayLength());
    }
}
