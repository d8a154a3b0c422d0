using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatService.Data;
using ChatService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OllamaSimulator;
using Testing;

namespace ChatService.Tests;

/// <summary>LLM faults, each against its own simulator so fault modes never leak into other tests.</summary>
[Collection("dependencies")]
public sealed class LlmFaultTests(DependenciesFixture deps) : IAsyncLifetime
{
    private OllamaSimulatorServer _simulator = null!;
    private ChatApp _app = null!;

    public async Task InitializeAsync()
    {
        _simulator = await OllamaSimulatorServer.StartAsync();
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, _simulator,
            new Dictionary<string, string?> { ["Llm:FirstTokenTimeout"] = "00:00:01", ["Llm:IdleTimeout"] = "00:00:10",
                ["Llm:RetriesBeforeFirstToken"] = "1" });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    [Fact]
    public async Task Chat_returns_degraded_answer_from_passages_when_llm_hangs_while_readiness_stays_fast()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        await alice.WaitForDocumentStatusAsync(id, "pending_index", TimeSpan.FromSeconds(30));
        _simulator.Faults.Chat = new FaultSettings { Hang = true };

        var chat = alice.ChatJsonAsync(new { message = "How long did the Hekla eruption last?" });
        using var probe = _app.AnonymousClient();
        probe.Timeout = TimeSpan.FromSeconds(3);
        while (!chat.IsCompleted)
        {
            using var ready = await probe.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            await Task.WhenAny(chat, Task.Delay(TimeSpan.FromMilliseconds(200)));
        }

        var answer = await chat;
        Assert.True(answer.GetProperty("degraded").GetBoolean());
        Assert.Contains("thirteen months", answer.GetProperty("answer").GetString(), StringComparison.Ordinal);
        Assert.Contains(answer.GetProperty("citations").EnumerateArray(), c => c.GetProperty("documentId").GetGuid() == id);
        await _simulator.WaitUntilAsync(s => s.CancelledRequests >= 2 && s.InFlight == 0, TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// An interactive turn inserts its question (and a new session) while retrieval runs, on a DbContext of its own; the
    /// model is asked only once that insert is committed, so a model that never answers finds the question already stored.
    /// </summary>
    [Fact]
    public async Task The_question_and_its_new_session_are_stored_before_the_model_is_asked()
    {
        var user = Users.New("alice");
        using var alice = new ChatApiClient(_app.ClientFor(user));
        _simulator.Faults.Chat = new FaultSettings { Hang = true };

        var chat = alice.ChatJsonAsync(new { message = "Is the question stored before the model is asked?" });
        await _simulator.WaitUntilAsync(s => s.Requests.Any(r => r.Endpoint == "chat"), TimeSpan.FromSeconds(10));
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var question = Assert.Single(await db.Messages.AsNoTracking().Where(m => m.Owner == user).ToListAsync());
        Assert.Equal(("user", "Is the question stored before the model is asked?"), (question.Role, question.Content));
        Assert.True(await db.Sessions.AsNoTracking().AnyAsync(s => s.Id == question.SessionId && s.Owner == user));

        var answer = await chat;
        Assert.True(answer.GetProperty("degraded").GetBoolean());
        Assert.Equal(question.SessionId, answer.GetProperty("sessionId").GetGuid());
        Assert.Equal(2, await db.Messages.AsNoTracking().CountAsync(m => m.SessionId == question.SessionId));
    }

    [Fact]
    public async Task Chat_answers_503_llm_unavailable_when_degradation_is_disabled()
    {
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, _simulator,
            new Dictionary<string, string?> { ["Llm:DegradeWhenUnavailable"] = "false", ["Llm:RetriesBeforeFirstToken"] = "0" });
        _simulator.Faults.Chat = new FaultSettings { ErrorStatus = 500 };
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        using var response = await alice.ChatAsync(new { message = "Anything?" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("LLM_UNAVAILABLE", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Error_line_mid_stream_ends_the_sse_stream_with_an_error_and_stores_a_partial_answer()
    {
        _simulator.Faults.Chat = new FaultSettings { ErrorLineAfterTokens = 3 };
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat")
        {
            Content = JsonContent.Create(new { message = "Tell me a story" }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await alice.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = new List<SseEvent>();
        await foreach (var e in SseReader.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(e);
        }

        Assert.Equal("error", events[^1].Name);
        Assert.DoesNotContain(events, e => e.Name == "final");
        var error = events[^1].Json;
        Assert.True(error.GetProperty("partial").GetBoolean());
        var streamed = string.Concat(events.Where(e => e.Name == "token").Select(e => e.Json.GetProperty("text").GetString()));
        Assert.False(string.IsNullOrEmpty(streamed));

        var messages = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/sessions/{error.GetProperty("sessionId")}/messages");
        var assistant = messages.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "assistant");
        Assert.True(assistant.GetProperty("partial").GetBoolean());
        Assert.Equal(streamed, assistant.GetProperty("content").GetString());
        Assert.Equal(1, _simulator.ChatRequests);
    }

    [Fact]
    public async Task Client_disconnect_cancels_the_generation_at_ollama()
    {
        // why: slower than HttpClient's 2 s response drain, so only a real disconnect can end the request early.
        _simulator.Faults.Chat = new FaultSettings { TokenDelayMs = 2500 };
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat")
        {
            Content = JsonContent.Create(new { message = "Tell me a long story" }),
        })
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await alice.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await response.Content.ReadAsStreamAsync();
            await foreach (var e in SseReader.ReadAsync(stream))
            {
                Assert.Equal("token", e.Name);
                break;
            }
        }

        await _simulator.WaitUntilAsync(s => s.CancelledRequests == 1 && s.InFlight == 0, TimeSpan.FromSeconds(10));
        Assert.Equal(1, _simulator.ChatRequests);
    }

    [Fact]
    public async Task Missing_ollama_configuration_starts_the_service_and_reports_the_llm_degraded()
    {
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator: null);
        using var probe = app.AnonymousClient();

        var ready = await Eventually.UntilAsync(async ct => await probe.GetFromJsonAsync<JsonElement>("/health/ready", ct),
            r => r.GetProperty("checks").GetProperty("ollama").GetString() == "Degraded", TimeSpan.FromSeconds(10),
            "ollama check should be degraded");
        Assert.Equal("Degraded", ready.GetProperty("status").GetString());

        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        var answer = await alice.ChatJsonAsync(new { message = "Hello?" });
        Assert.True(answer.GetProperty("degraded").GetBoolean());
    }
}
