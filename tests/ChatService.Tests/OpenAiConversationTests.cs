using System.ClientModel;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatService.Apis;
using ChatService.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using OllamaSimulator;
using OpenAI;
using OpenAI.Chat;
using Testing;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;

namespace ChatService.Tests;

/// <summary>
/// <c>/v1/chat/completions</c> as real OpenAI clients use it: the official <c>OpenAI</c> SDK and
/// Microsoft.Extensions.AI.OpenAI's <see cref="IChatClient"/>, against the running service (real Kestrel). Each test
/// class instance has its own simulator, so the requests the model received can be read back exactly.
/// </summary>
[Collection("dependencies")]
public sealed class OpenAiConversationTests(DependenciesFixture deps) : IAsyncLifetime
{
    private OllamaSimulatorServer _simulator = null!;
    private ChatApp _app = null!;
    private string _user = null!;

    public async Task InitializeAsync()
    {
        _simulator = await OllamaSimulatorServer.StartAsync();
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, _simulator);
        _user = Users.New("zed");
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    private OpenAIClient OpenAi() =>
        new(new ApiKeyCredential(ChatApp.TokenFor(_user)), new OpenAIClientOptions { Endpoint = new Uri(_app.BaseAddress, "/v1") });

    [Fact]
    public async Task The_whole_conversation_reaches_the_model_and_nothing_is_stored_without_a_session()
    {
        var chat = OpenAi().GetChatClient("rag");

        ChatCompletion completion = await chat.CompleteChatAsync(
        [
            new SystemChatMessage("Answer in one sentence."),
            new UserChatMessage("My name is Zed and I keep the northern lighthouse."),
            new AssistantChatMessage("Nice to meet you, Zed."),
            new UserChatMessage("What is my name?"),
        ]);

        Assert.Contains("Zed", completion.Content[0].Text, StringComparison.Ordinal);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, completion.FinishReason);
        Assert.NotNull(completion.Usage);
        var sent = _simulator.Requests.Single(r => r.Endpoint == "chat");
        Assert.Equal("What is my name?", sent.LastUserMessage);
        Assert.Contains(sent.Messages, m => m.Role == "user" && m.Content == "My name is Zed and I keep the northern lighthouse.");
        Assert.Contains(sent.Messages, m => m.Role == "assistant" && m.Content == "Nice to meet you, Zed.");
        Assert.Contains("Answer in one sentence.", sent.Messages[0].Content, StringComparison.Ordinal);
        Assert.Equal("system", sent.Messages[0].Role);

        using var http = _app.ClientFor(_user);
        var sessions = await http.GetFromJsonAsync<JsonElement>("/api/sessions");
        Assert.Equal(0, sessions.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Temperature_top_p_max_tokens_stop_and_seed_are_passed_to_the_model()
    {
        var chat = OpenAi().GetChatClient("rag");
        #pragma warning disable OPENAI001 // why: Seed is marked experimental in the SDK; the endpoint honours it
        var options = new ChatCompletionOptions { Temperature = 0.25f, TopP = 0.5f, MaxOutputTokenCount = 3, Seed = 42 };
#pragma warning restore OPENAI001
        options.StopSequences.Add("STOP-HERE");

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Paris is the capital of France. What is the " +
            "capital of France?")],
            options);

        Assert.False(string.IsNullOrEmpty(completion.Content[0].Text));
        var sent = _simulator.Requests.Single(r => r.Endpoint == "chat").Options!.Value;
        Assert.Equal(0.25, sent.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(0.5, sent.GetProperty("top_p").GetDouble(), 3);
        Assert.Equal(3, sent.GetProperty("num_predict").GetInt32());
        Assert.Equal(42, sent.GetProperty("seed").GetInt64());
        Assert.Equal("STOP-HERE", sent.GetProperty("stop")[0].GetString());
    }

    [Fact]
    public async Task A_session_is_stored_only_when_asked_for_with_the_session_header()
    {
        using var http = _app.ClientFor(_user);
        var body = new { model = "rag", messages = new[] { new { role = "user", content = "Remember the lighthouse keeper." } } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(body) };
        request.Headers.Add(OpenAiApi.SessionHeader, "new");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sessionId = Assert.Single(response.Headers.GetValues(OpenAiApi.SessionIdHeader));
        var messages = await http.GetFromJsonAsync<JsonElement>($"/api/sessions/{sessionId}/messages");
        Assert.Equal(["assistant", "user"],
            messages.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("role").GetString()).Order());
    }

    [Fact]
    public async Task Every_error_is_openai_shaped_and_the_sdk_raises_it_with_its_status()
    {
        var openAi = OpenAi();
        var unknown = await Assert.ThrowsAsync<ClientResultException>(
            () => openAi.GetChatClient("gpt-9").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, unknown.Status);
        Assert.Contains("model_not_found", unknown.Message, StringComparison.Ordinal);

        var toolOptions = new ChatCompletionOptions();
        toolOptions.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Weather",
            BinaryData.FromString("""{"type":"object","properties":{}}""")));
        var tools = await Assert.ThrowsAsync<ClientResultException>(
            () => openAi.GetChatClient("rag").CompleteChatAsync([new UserChatMessage("hi")], toolOptions));
        Assert.Equal(400, tools.Status);

        using var http = _app.ClientFor(_user);
        var cases = new (string Body, string Param)[]
        {
            ("""{"model":"rag","n":2,"messages":[{"role":"user","content":"hi"}]}""", "n"),
            ("""{"model":"rag","messages":[{"role":"system","content":"only a system message"}]}""", "messages"),
            ("""{"model":"rag","temperature":7,"messages":[{"role":"user","content":"hi"}]}""", "temperature"),
            ("""{"model":"rag","stop":[1,2],"messages":[{"role":"user","content":"hi"}]}""", "stop"),
            ("""{"model":"rag","messages":[{"role":"user","content":"hi"}""", ""),
        };
        foreach (var (body, param) in cases)
        {
            using var response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
            Assert.Equal(param.Length == 0 ? null : param, error.GetProperty("param").GetString());
        }
    }

    [Fact]
    public async Task A_stream_ends_with_usage_citations_and_done_and_a_failed_stream_still_ends_with_done()
    {
        using var http = _app.ClientFor(_user);
        var body = new { model = "rag", stream = true,
            messages = new[] { new { role = "user", content = "Paris is the capital of France. What is the capital of France?" } } };
        using (var response = await http.PostAsJsonAsync("/v1/chat/completions", body))
        {
            var text = await response.Content.ReadAsStringAsync();
            var lines = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("data: [DONE]", lines[^1]);
            var last = JsonDocument.Parse(lines[^2]["data: ".Length..]).RootElement;
            Assert.True(last.TryGetProperty("usage", out _), text);
            Assert.Equal("stop", last.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
            Assert.True(last.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
            Assert.Equal(JsonValueKind.Array, last.GetProperty("citations").ValueKind);
        }

        await using var strict = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, _simulator,
            new Dictionary<string, string?> { ["Llm:DegradeWhenUnavailable"] = "false", ["Llm:RetriesBeforeFirstToken"] = "0" });
        _simulator.Faults.Chat = new FaultSettings { ErrorStatus = 500 };
        using var strictHttp = strict.ClientFor(_user);
        // A question not asked before: the first answer above is in the answer cache.
        var fresh = new { model = "rag", stream = true,
            messages = new[] { new { role = "user", content = "Is the model there at all?" } } };
        using (var failed = await strictHttp.PostAsJsonAsync("/v1/chat/completions", fresh))
        {
            var lines = (await failed.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("data: [DONE]", lines[^1]);
            var error = JsonDocument.Parse(lines[^2]["data: ".Length..]).RootElement.GetProperty("error");
            Assert.Equal("api_error", error.GetProperty("type").GetString());
            Assert.Equal("llm_unavailable", error.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Microsoft_extensions_ai_client_holds_a_conversation_streams_and_cancels_mid_stream()
    {
        IChatClient client = OpenAi().GetChatClient("rag").AsIChatClient();
        List<AiChatMessage> history =
        [
            new(AiChatRole.User, "The keeper of the northern lighthouse is called Zed."),
            new(AiChatRole.Assistant, "Understood."),
            new(AiChatRole.User, "Who keeps the northern lighthouse?"),
        ];

        var answer = await client.GetResponseAsync(history);
        Assert.Contains("Zed", answer.Text, StringComparison.Ordinal);

        var streamed = new StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync(history))
        {
            streamed.Append(update.Text);
        }

        Assert.Contains("Zed", streamed.ToString(), StringComparison.Ordinal);

        _simulator.Faults.Chat = new FaultSettings { TokenDelayMs = 1000 };
        using var leave = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(history, cancellationToken: leave.Token))
            {
                if (!string.IsNullOrEmpty(update.Text))
                {
                    await leave.CancelAsync();
                }
            }
        });

        await _simulator.WaitUntilAsync(s => s.CancelledRequests == 1 && s.InFlight == 0, TimeSpan.FromSeconds(5));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("What about its lamp?", true)]
    [InlineData("Who built the tower in 1890?", false)]
    public void A_follow_up_that_refers_back_is_searched_with_the_previous_question(string question, bool joined)
    {
        var history = new List<(string Role, string Content)> { ("user", "Tell me about the northern lighthouse."),
            ("assistant", "It is old.") };

        var query = OpenAiConversation.RetrievalQueryFor(question, history);

        Assert.Equal(joined ? "Tell me about the northern lighthouse.\n" + question : null, query);
    }
}
