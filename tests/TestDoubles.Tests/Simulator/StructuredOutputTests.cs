using System.Text.Json;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OllamaSimulator;

namespace TestDoubles.Tests.Simulator;

public sealed class StructuredOutputTests
{
    private const string Passage =
        "The distributor retries failed deliveries with exponential backoff. Each destination has its own circuit breaker.";

    [Fact]
    public async Task Json_request_for_question_answer_and_quote_returns_a_verbatim_sentence_of_the_passage()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        IChatClient client = ollama;

        var response = await client.GetResponseAsync(
            $"Write one question about the passage, its answer and a verbatim quote supporting it, as JSON.\n\nPassage:\n{Passage}",
            new ChatOptions { ResponseFormat = ChatResponseFormat.Json },
            budget.Token);

        using var json = JsonDocument.Parse(response.Text);
        var quote = json.RootElement.GetProperty("quote").GetString();
        Assert.Equal("The distributor retries failed deliveries with exponential backoff.", quote);
        Assert.Equal(quote, json.RootElement.GetProperty("answer").GetString());
        Assert.Equal(
            "What does the text say about distributor, deliveries and exponential?",
            json.RootElement.GetProperty("question").GetString());
    }

    [Fact]
    public async Task Generated_question_asked_over_its_passage_is_answered_with_the_quoted_sentence()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        IChatClient client = ollama;

        var triple = await client.GetResponseAsync(
            $"Return JSON with a question, an answer and a quote from: {Passage}",
            new ChatOptions { ResponseFormat = ChatResponseFormat.Json },
            budget.Token);
        using var json = JsonDocument.Parse(triple.Text);
        var question = json.RootElement.GetProperty("question").GetString()!;
        var answer = await client.GetResponseAsync(
            [new(ChatRole.System, $"Context:\n{Passage}"), new(ChatRole.User, question)],
            cancellationToken: budget.Token);

        Assert.Contains(json.RootElement.GetProperty("quote").GetString()!, answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_schema_gets_every_property_filled_by_its_type()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        IChatClient client = ollama;
        using var schema = JsonDocument.Parse("""
            {"type":"object","properties":{"verdict":{"type":"string"},"score":{"type":"integer"},"relevant":{"type":"boolean"}},
             "required":["verdict","score","relevant"]}
            """);

        var response = await client.GetResponseAsync(
            [new(ChatRole.System, $"Context:\n{Passage}"),
                new(ChatRole.User, "Question: what does the distributor do with failed deliveries?")],
            new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.RootElement, "judgement") },
            budget.Token);

        using var json = JsonDocument.Parse(response.Text);
        Assert.Equal(Passage.Split(". ")[0] + ".", json.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(5, json.RootElement.GetProperty("score").GetInt32());
        Assert.True(json.RootElement.GetProperty("relevant").GetBoolean());
    }

    [Fact]
    public async Task Plain_json_request_wraps_the_answer()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        IChatClient client = ollama;

        var response = await client.GetResponseAsync(
            "Paris is the capital of France. Reply in JSON. What is the capital of France?",
            new ChatOptions { ResponseFormat = ChatResponseFormat.Json },
            budget.Token);

        using var json = JsonDocument.Parse(response.Text);
        Assert.Equal("Paris is the capital of France.", json.RootElement.GetProperty("answer").GetString());
    }
}
