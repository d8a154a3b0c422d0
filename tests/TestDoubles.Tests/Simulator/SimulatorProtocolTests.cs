using System.Net;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OllamaSharp.Models;
using OllamaSharp.Models.Chat;
using OllamaSimulator;
using ChatRole = Microsoft.Extensions.AI.ChatRole;
using OllamaRole = OllamaSharp.Models.Chat.ChatRole;

namespace TestDoubles.Tests.Simulator;

public sealed class SimulatorProtocolTests
{
    private const string SkyContext =
        "Context:\n[1] The sky is blue because sunlight is scattered by the air. Grass is green.\n[2] Paris is the capital of France.";

    [Fact]
    public async Task Server_answers_is_running_version_tags_and_show_like_ollama()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress);

        Assert.True(await ollama.IsRunningAsync(budget.Token));
        Assert.Equal("0.12.6", await ollama.GetVersionAsync(budget.Token));
        var models = (await ollama.ListLocalModelsAsync(budget.Token)).Select(m => m.Name).ToList();
        Assert.Equal(["llama3.2:latest", "llama3.2:1b", "all-minilm:latest", "nomic-embed-text:latest"], models);
        var show = await ollama.ShowModelAsync("llama3.2", budget.Token);
        Assert.Contains("completion", show.Capabilities ?? []);
        Assert.Equal("llama", show.Details?.Family);
    }

    [Fact]
    public async Task Unknown_model_is_rejected_with_404_like_ollama()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "no-such-model");

        var chat = await Assert.ThrowsAsync<HttpRequestException>(
            () => ((IChatClient)ollama).GetResponseAsync("hi", cancellationToken: budget.Token));
        var show = await Assert.ThrowsAsync<HttpRequestException>(() => ollama.ShowModelAsync("no-such-model", budget.Token));

        Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, show.StatusCode);
    }

    [Fact]
    public async Task Streaming_chat_sends_word_pieces_and_a_final_done_line_with_metrics()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress);
        var request = new ChatRequest
        {
            Model = "llama3.2",
            Messages = [new Message(OllamaRole.System, SkyContext), new Message(OllamaRole.User, "Why is the sky blue?")],
        };

        var lines = new List<ChatResponseStream?>();
        await foreach (var line in ollama.ChatAsync(request, budget.Token))
        {
            lines.Add(line);
        }

        var done = Assert.IsType<ChatDoneResponseStream>(lines[^1]);
        var pieces = lines.SkipLast(1).Select(l => l!.Message.Content).ToList();
        Assert.True(pieces.Count > 5);
        Assert.Equal("The sky is blue because sunlight is scattered by the air. [1]", string.Concat(pieces));
        Assert.Equal("stop", done.DoneReason);
        Assert.Equal(pieces.Count, done.EvalCount);
        Assert.True(done.PromptEvalCount > 0);
        Assert.True(done.TotalDuration > 0);
    }

    [Fact]
    public async Task Non_streaming_chat_through_IChatClient_returns_the_answer_built_from_the_matching_context()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        IChatClient client = ollama;

        var response = await client.GetResponseAsync(
            [new(ChatRole.System, SkyContext), new(ChatRole.User, "What is the capital of France?")],
            cancellationToken: budget.Token);

        Assert.Equal("Paris is the capital of France. [2]", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.True(response.Usage?.OutputTokenCount > 0);
        Assert.False(Assert.Single(simulator.Requests).Stream);
    }

    [Fact]
    public async Task Streaming_chat_through_IChatClient_yields_the_same_text_as_non_streaming()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        IChatClient client = ollama;
        List<Microsoft.Extensions.AI.ChatMessage> prompt =
            [new(ChatRole.System, SkyContext), new(ChatRole.User, "Why is the sky blue?")];

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: budget.Token))
        {
            updates.Add(update);
        }

        var whole = await client.GetResponseAsync(prompt, cancellationToken: budget.Token);
        Assert.True(updates.Count > 5);
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
    }

    [Fact]
    public async Task Generate_streams_the_answer_in_the_response_field()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress);
        var request = new GenerateRequest
        {
            Model = "llama3.2",
            System = SkyContext,
            Prompt = "Question: what is the capital of France?",
        };

        var lines = new List<GenerateResponseStream?>();
        await foreach (var line in ollama.GenerateAsync(request, budget.Token))
        {
            lines.Add(line);
        }

        Assert.IsType<GenerateDoneResponseStream>(lines[^1]);
        Assert.Equal("Paris is the capital of France. [2]", string.Concat(lines.Select(l => l!.Response)));
        Assert.Equal("generate", Assert.Single(simulator.Requests).Endpoint);
    }

    [Fact]
    public async Task Max_output_tokens_becomes_num_predict_and_cuts_the_answer_with_reason_length()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        IChatClient client = ollama;

        var response = await client.GetResponseAsync(
            [new(ChatRole.System, SkyContext), new(ChatRole.User, "Why is the sky blue?")],
            new ChatOptions { MaxOutputTokens = 3 },
            budget.Token);

        Assert.Equal("The sky is", response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(3, Assert.Single(simulator.Requests).NumPredict);
    }

    [Fact]
    public async Task Received_requests_record_model_messages_and_options()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var ollama = new OllamaApiClient(simulator.BaseAddress, "llama3.2");
        IChatClient client = ollama;

        await client.GetResponseAsync(
            [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hello?")],
            new ChatOptions { Temperature = 0.25f },
            budget.Token);

        var received = Assert.Single(simulator.Requests);
        Assert.Equal("llama3.2", received.Model);
        Assert.Equal([new ReceivedMessage("system", "Be brief."), new ReceivedMessage("user", "Hello?")], received.Messages);
        Assert.Equal(0.25, received.Options!.Value.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(1, simulator.ChatRequests);
    }

    [Fact]
    public async Task Chat_without_body_gets_400_missing_request_body()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient { BaseAddress = simulator.BaseAddress };

        using var response = await http.PostAsync("api/chat", new StringContent(""), budget.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("{\"error\":\"missing request body\"}", await response.Content.ReadAsStringAsync(budget.Token));
    }

    [Fact]
    public async Task Empty_messages_only_load_the_model()
    {
        using var budget = TestBudget.Start();
        await using var simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        using var http = new HttpClient { BaseAddress = simulator.BaseAddress };

        using var response = await http.PostAsync(
            "api/chat", new StringContent("{\"model\":\"llama3.2\",\"messages\":[]}"), budget.Token);
        var body = await response.Content.ReadAsStringAsync(budget.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"done\":true,\"done_reason\":\"load\"", body, StringComparison.Ordinal);
    }
}
