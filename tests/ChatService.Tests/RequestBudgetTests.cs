using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using OllamaSimulator;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// A caller's <c>X-Request-Timeout-Ms</c> budget bounds the whole chat: a hung LLM (with its 60 s first-token bound) or a
/// hung embedding model must end in the degraded answer before the budget runs out, not in the request's 504.
/// </summary>
[Collection("dependencies")]
public sealed class RequestBudgetTests(DependenciesFixture deps) : IAsyncLifetime
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    /// <summary>Only the caller's budget may end the hang: the model bounds are far longer than it.</summary>
    private static readonly Dictionary<string, string?> LongModelBounds = new()
    {
        ["Llm:FirstTokenTimeout"] = "00:01:00",
        ["Llm:IdleTimeout"] = "00:00:20",
        ["Llm:TotalTimeout"] = "00:02:00",
        ["Embeddings:QueryTimeout"] = "00:00:30",
        ["Retrieval:VectorSearchTimeout"] = "00:00:30",
    };

    private OllamaSimulatorServer _simulator = null!;

    public async Task InitializeAsync() => _simulator = await OllamaSimulatorServer.StartAsync();

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    [Fact]
    public async Task Chat_with_a_caller_budget_answers_degraded_before_the_budget_runs_out_when_the_llm_hangs()
    {
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, _simulator,
            LongModelBounds);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        await alice.WaitForDocumentStatusAsync(id, "pending_index", TimeSpan.FromSeconds(30));
        _simulator.Faults.Chat = new FaultSettings { Hang = true };

        var (status, answer, elapsed) = await ChatWithBudgetAsync(alice, "How long did the Hekla eruption last?");

        Assert.True(status == HttpStatusCode.OK, $"{(int)status} after {elapsed.TotalMilliseconds:0} ms: {answer}");
        Assert.True(elapsed < Budget,
            $"the degraded answer came after {elapsed.TotalMilliseconds:0} ms, beyond the {Budget.TotalMilliseconds:0} ms budget");
        Assert.True(answer.GetProperty("degraded").GetBoolean());
        Assert.Equal("LLM_TIMEOUT", answer.GetProperty("error").GetString());
        Assert.Contains("thirteen months", answer.GetProperty("answer").GetString(), StringComparison.Ordinal);
        Assert.Contains(answer.GetProperty("citations").EnumerateArray(), c => c.GetProperty("documentId").GetGuid() == id);
        await AssertStoredDegradedAsync(alice, answer);
        await _simulator.WaitUntilAsync(s => s.CancelledRequests >= 1 && s.InFlight == 0, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Chat_with_a_caller_budget_answers_degraded_from_full_text_before_the_budget_runs_out_when_embeddings_and_llm_hang()
    {
        var chroma = await deps.GetChromaAsync();
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, _simulator,
            LongModelBounds);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        await alice.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(30));
        // What a paused Ollama looks like: every model call is accepted and never answered.
        _simulator.Faults.SetAll(new FaultSettings { Hang = true });
        var embedsBefore = _simulator.EmbedRequests;

        var (status, answer, elapsed) = await ChatWithBudgetAsync(alice, $"How long did the Hekla eruption last ({Guid.NewGuid():N})?");

        Assert.True(status == HttpStatusCode.OK, $"{(int)status} after {elapsed.TotalMilliseconds:0} ms: {answer}");
        Assert.True(elapsed < Budget,
            $"the degraded answer came after {elapsed.TotalMilliseconds:0} ms, beyond the {Budget.TotalMilliseconds:0} ms budget");
        Assert.True(_simulator.EmbedRequests > embedsBefore, "the question should have been sent to the (hung) embedding model");
        Assert.True(answer.GetProperty("degraded").GetBoolean());
        Assert.Contains("thirteen months", answer.GetProperty("answer").GetString(), StringComparison.Ordinal);
        Assert.Contains(answer.GetProperty("citations").EnumerateArray(), c => c.GetProperty("documentId").GetGuid() == id);
        await AssertStoredDegradedAsync(alice, answer);
        await _simulator.WaitUntilAsync(s => s.InFlight == 0, TimeSpan.FromSeconds(10));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, TimeSpan Elapsed)> ChatWithBudgetAsync(ChatApiClient client,
        string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = JsonContent.Create(new { message }) };
        request.Headers.Add("X-Request-Timeout-Ms",
            ((long)Budget.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stopwatch = Stopwatch.StartNew();
        using var response = await client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var elapsed = stopwatch.Elapsed;
        var body = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response.StatusCode, body, elapsed);
    }

    private static async Task AssertStoredDegradedAsync(ChatApiClient client, JsonElement answer)
    {
        var messages = await client.Http.GetFromJsonAsync<JsonElement>($"/api/sessions/{answer.GetProperty("sessionId")}/messages");
        var stored = messages.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "assistant");
        Assert.True(stored.GetProperty("degraded").GetBoolean());
        Assert.Equal(answer.GetProperty("answer").GetString(), stored.GetProperty("content").GetString());
    }
}
