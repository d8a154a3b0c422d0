using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using OllamaSimulator;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// A model server that sends some tokens and then stays silent with the connection open (a stalled GPU, a wedged
/// runner, a proxy that stopped forwarding). Every bound must fire on its own while the read is blocked, close the
/// connection to the model and free the generation slot. Each test has its own simulator so no fault leaks.
/// </summary>
[Collection("dependencies")]
public sealed class StalledModelTests(DependenciesFixture deps) : IAsyncLifetime
{
    /// <summary>What a bound may overrun by: scheduling, storing the answer, a cold first request on a loaded 2-core machine.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    private OllamaSimulatorServer _simulator = null!;

    public async Task InitializeAsync() => _simulator = await OllamaSimulatorServer.StartAsync();

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    private Task<ChatApp> StartAsync(TimeSpan idle, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Llm:IdleTimeout"] = idle.ToString("c"),
            ["Llm:FirstTokenTimeout"] = "00:00:05",
            ["Chat:CacheAnswers"] = "false",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, _simulator, settings);
    }

    [Fact]
    public async Task Json_chat_with_a_model_stalled_mid_stream_answers_partial_within_the_idle_bound_and_closes_the_model_connection()
    {
        await using var app = await StartAsync(TimeSpan.FromSeconds(2));
        _simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 2 };
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        var clock = Stopwatch.StartNew();
        var answer = await alice.ChatJsonAsync(new { message = "Tell me about the lighthouse keeper and his long winter" });

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2) + Slack);
        Assert.True(answer.GetProperty("partial").GetBoolean());
        Assert.Equal("LLM_TIMEOUT", answer.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("answer").GetString()));
        await AssertModelConnectionsClosedAsync(1);
    }

    [Fact]
    public async Task The_callers_budget_fires_while_the_read_is_blocked_even_when_the_idle_bound_is_longer()
    {
        await using var app = await StartAsync(TimeSpan.FromSeconds(60));
        _simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 1 };
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat")
        {
            Content = JsonContent.Create(new { message = "who built the lighthouse?" }),
        };
        request.Headers.Add("X-Request-Timeout-Ms", "4000");

        var clock = Stopwatch.StartNew();
        using var response = await alice.Http.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(4) + Slack);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("partial").GetBoolean());
        Assert.Equal("LLM_TIMEOUT", body.GetProperty("error").GetString());
        await AssertModelConnectionsClosedAsync(1);
    }

    [Fact]
    public async Task A_gap_beyond_the_idle_bound_is_noticed_when_the_bound_fires_not_when_the_next_token_arrives()
    {
        await using var app = await StartAsync(TimeSpan.FromSeconds(2));
        _simulator.Faults.Chat = new FaultSettings { GapAfterTokens = 2, GapMs = 20_000 };
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        var clock = Stopwatch.StartNew();
        var answer = await alice.ChatJsonAsync(new { message = "Tell me about the lighthouse keeper and his long winter" });

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2) + Slack);
        Assert.True(answer.GetProperty("partial").GetBoolean());
        Assert.Equal("LLM_TIMEOUT", answer.GetProperty("error").GetString());
        await AssertModelConnectionsClosedAsync(1);
    }

    [Fact]
    public async Task Sse_chat_with_a_stalled_model_ends_with_a_partial_error_event_within_the_idle_bound()
    {
        await using var app = await StartAsync(TimeSpan.FromSeconds(2));
        _simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 2 };
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat")
        {
            Content = JsonContent.Create(new { message = "Tell me about the lighthouse keeper and his long winter" }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        var clock = Stopwatch.StartNew();
        using var response = await alice.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = new List<SseEvent>();
        await foreach (var e in SseReader.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(e);
        }

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2) + Slack);
        Assert.Equal(2, events.Count(e => e.Name == "token"));
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("LLM_TIMEOUT", events[^1].Json.GetProperty("code").GetString());
        Assert.True(events[^1].Json.GetProperty("partial").GetBoolean());
        await AssertModelConnectionsClosedAsync(1);
    }

    [Fact]
    public async Task A_client_that_leaves_a_stalled_chat_closes_the_model_connection_at_once()
    {
        await using var app = await StartAsync(TimeSpan.FromSeconds(60));
        _simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 1 };
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        using (var leaving = new CancellationTokenSource())
        {
            var chat = alice.ChatAsync(new { message = "who built the lighthouse?" }, leaving.Token);
            await _simulator.WaitUntilAsync(s => s.InFlight == 1 && s.ChatRequests == 1, TimeSpan.FromSeconds(10));
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            await leaving.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => chat);
        }

        var clock = Stopwatch.StartNew();
        await AssertModelConnectionsClosedAsync(1);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, Slack);
    }

    [Fact]
    public async Task Stalled_generations_holding_every_slot_are_visible_and_named_in_the_429_while_readiness_stays_up()
    {
        await using var app = await StartAsync(TimeSpan.FromSeconds(60), new Dictionary<string, string?>
        {
            ["Chat:MaxConcurrentGenerations"] = "2",
            ["Chat:QueueLimit"] = "0",
            ["Chat:RetryAfter"] = "00:00:03.200", // a TimeSpan option, whole seconds on the wire (rounded up)
        });
        _simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 1 };
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        using var bob = new ChatApiClient(app.ClientFor(Users.New("bob")));
        using var leaving = new CancellationTokenSource();
        var stalled = new[]
        {
            alice.ChatAsync(new { message = "who built the lighthouse?" }, leaving.Token),
            alice.ChatAsync(new { message = "who kept the lighthouse?" }, leaving.Token),
        };
        await _simulator.WaitUntilAsync(s => s.InFlight == 2, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        using (var refused = await bob.ChatAsync(new { message = "anyone there?" }))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("TOO_MANY_REQUESTS", problem.GetProperty("code").GetString());
            Assert.Contains("2 of 2 generation slots", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(problem.GetProperty("oldestGenerationSeconds").GetDouble() >= 1);
            Assert.Equal(TimeSpan.FromSeconds(4), refused.Headers.RetryAfter?.Delta);
            Assert.Equal(4, problem.GetProperty("retryAfterSeconds").GetInt32());
        }

        using var probe = app.AnonymousClient();
        using (var ready = await probe.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        using var admin = app.ClientFor(Users.New("ops"));
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ChatApp.AdminTokenFor("ops"));
        var detailed = await Eventually.UntilAsync(
            async ct => await admin.GetFromJsonAsync<JsonElement>("/health/detailed", ct),
            d => GenerationData(d) is { } data && data.GetProperty("inUse").GetInt32() == 2,
            TimeSpan.FromSeconds(10), "/health/detailed should show both slots in use");
        var slots = GenerationData(detailed)!.Value;
        Assert.Equal(2, slots.GetProperty("limit").GetInt32());
        Assert.True(slots.GetProperty("oldestSeconds").GetDouble() >= 1);
        var metrics = await probe.GetStringAsync("/metrics");
        Assert.Equal(2, MetricValue(metrics, "chat_generations_in_use"));
        Assert.Equal(2, MetricValue(metrics, "chat_generation_slots"));
        Assert.True(MetricValue(metrics, "chat_generation_oldest_age_seconds") >= 1);

        await leaving.CancelAsync();
        foreach (var chat in stalled)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => chat);
        }

        await AssertModelConnectionsClosedAsync(2);
        await Eventually.UntilAsync(async ct => MetricValue(await probe.GetStringAsync("/metrics", ct), "chat_generations_in_use"),
            inUse => inUse == 0, Slack, "the slots should be released once the clients left");
        _simulator.Faults.Chat = FaultSettings.None;
        var answer = await bob.ChatJsonAsync(new { message = "anyone there?" });
        Assert.False(answer.GetProperty("partial").GetBoolean());
    }

    [Fact]
    public async Task Cancelling_a_chat_task_stalled_on_the_model_ends_it_cancelled_within_seconds()
    {
        await using var app = await StartAsync(TimeSpan.FromSeconds(120));
        _simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 1 };
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));

        using var created = await alice.Http.PostAsJsonAsync("/api/chat/tasks", new { message = "who built the lighthouse?" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await _simulator.WaitUntilAsync(s => s.InFlight == 1, TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        using (var cancel = await alice.Http.PostAsync($"/api/chat/tasks/{id}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        var task = await Eventually.UntilAsync(
            async ct => await alice.Http.GetFromJsonAsync<JsonElement>($"/api/chat/tasks/{id}", ct),
            t => t.GetProperty("status").GetString() is not ("running" or "queued" or "cancelling"),
            TimeSpan.FromSeconds(15), "the task should end once cancelled");
        Assert.Equal("cancelled", task.GetProperty("status").GetString());
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        await AssertModelConnectionsClosedAsync(1);
    }

    [Fact]
    public async Task OpenAi_completions_with_a_stalled_model_end_within_the_idle_bound_streaming_and_not()
    {
        await using var app = await StartAsync(TimeSpan.FromSeconds(2));
        _simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 2 };
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        var messages = new[] { new { role = "user", content = "Tell me about the lighthouse keeper and his long winter" } };

        var clock = Stopwatch.StartNew();
        using (var whole = await alice.Http.PostAsJsonAsync("/v1/chat/completions", new { model = "llama3.2", messages }))
        {
            var body = await whole.Content.ReadAsStringAsync();
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2) + Slack);
            Assert.True(whole.StatusCode == HttpStatusCode.OK, body);
            var choice = JsonDocument.Parse(body).RootElement.GetProperty("choices")[0];
            Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
            Assert.False(string.IsNullOrEmpty(choice.GetProperty("message").GetProperty("content").GetString()));
        }

        clock.Restart();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "llama3.2", messages, stream = true }),
        };
        using var streamed = await alice.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var text = await streamed.Content.ReadAsStringAsync();
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2) + Slack);
        Assert.Contains("\"finish_reason\":\"length\"", text, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]", text.TrimEnd(), StringComparison.Ordinal);
        await AssertModelConnectionsClosedAsync(2);
    }

    [Fact]
    public async Task Stopping_the_service_ends_a_stalled_generation_at_once_with_the_partial_answer()
    {
        await using var app = await StartAsync(TimeSpan.FromSeconds(120));
        _simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 2 };
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        var chat = alice.ChatAsync(new { message = "Tell me about the lighthouse keeper and his long winter" });
        await _simulator.WaitUntilAsync(s => s.InFlight == 1 && s.ChatRequests == 1, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        var clock = Stopwatch.StartNew();
        app.Get<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().StopApplication();
        using var response = await chat;
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, Slack);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("partial").GetBoolean());
        Assert.Equal("LLM_UNAVAILABLE", body.GetProperty("error").GetString());
        await AssertModelConnectionsClosedAsync(1);
    }

    [Fact]
    public async Task An_embedding_call_stalled_mid_body_is_cut_by_its_bound_and_chat_still_answers()
    {
        var chroma = await deps.GetChromaAsync();
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, _simulator,
            new Dictionary<string, string?> { ["Embeddings:QueryTimeout"] = "00:00:01", ["Chat:CacheAnswers"] = "false" });
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        await alice.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(30));
        var embedsBefore = _simulator.EmbedRequests;
        _simulator.Faults.Embed = new FaultSettings { StallAfterTokens = 0 };

        var clock = Stopwatch.StartNew();
        var answer = await alice.ChatJsonAsync(new { message = "How long did the Hekla eruption last?" });

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1) + Slack);
        Assert.False(answer.GetProperty("partial").GetBoolean());
        Assert.Contains("thirteen months", answer.GetProperty("answer").GetString(), StringComparison.Ordinal);
        Assert.True(_simulator.EmbedRequests > embedsBefore, "the question should have been sent for embedding");
        await AssertModelConnectionsClosedAsync(1);
    }

    /// <summary>The value of the one sample of <paramref name="name"/> in a Prometheus text exposition.</summary>
    private static double MetricValue(string exposition, string name)
    {
        var line = exposition.Split('\n').Single(l => l.StartsWith(name + "{", StringComparison.Ordinal)
            || l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static JsonElement? GenerationData(JsonElement detailed) =>
        detailed.GetProperty("checks").EnumerateArray()
            .Where(c => c.GetProperty("name").GetString() == "generation-slots")
            .Select(c => (JsonElement?)c.GetProperty("data"))
            .FirstOrDefault();

    /// <summary>No request to the model is still open: the simulator saw each one end because ChatService closed it.</summary>
    private async Task AssertModelConnectionsClosedAsync(int stalledRequests) =>
        await _simulator.WaitUntilAsync(s => s.InFlight == 0 && s.CancelledRequests >= stalledRequests, Slack);
}
