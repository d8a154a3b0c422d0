using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// What the Aspire dashboard's GenAI view and an operator's metrics see of one chat: the gen_ai span of the model call
/// (Microsoft.Extensions.AI <c>UseOpenTelemetry()</c>), the retrieval stages as spans of their own with their hit
/// counts, and the gen_ai and time-to-first-token metrics on <c>/metrics</c>.
/// </summary>
[Collection("dependencies")]
public sealed class AiTelemetryTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private readonly SpanRecorder _recorder = new("Experimental.Microsoft.Extensions.AI", "ChatService");
    private ChatApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server,
            new Dictionary<string, string?> { ["Chat:CacheAnswers"] = "false" });
    }

    public async Task DisposeAsync()
    {
        _recorder.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_chat_has_a_gen_ai_span_retrieval_stage_spans_and_gen_ai_metrics()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        await alice.WaitForDocumentStatusAsync(id, "pending_index", TimeSpan.FromSeconds(30));

        var answer = await alice.ChatJsonAsync(new { message = "How long did the Hekla eruption last?" });
        Assert.False(answer.GetProperty("degraded").GetBoolean());

        var model = await Eventually.UntilAsync(
            _ => Task.FromResult(_recorder.Spans.FirstOrDefault(s => (s.GetTagItem("gen_ai.operation.name") as string) == "chat")),
            s => s is not null, TimeSpan.FromSeconds(5), "the model call should produce a gen_ai chat span");
        Assert.Equal("llama3.2", model!.GetTagItem("gen_ai.request.model"));
        Assert.True(Convert.ToInt32(model.GetTagItem("gen_ai.usage.output_tokens"), System.Globalization.CultureInfo.InvariantCulture) > 0);

        var retrieve = _recorder.Spans.Single(s => s.OperationName == "rag.retrieve");
        var fullText = _recorder.Spans.Single(s => s.OperationName == "rag.full_text");
        Assert.Equal(retrieve.SpanId, fullText.ParentSpanId);
        Assert.True((int)fullText.GetTagItem("rag.hits")! > 0);
        Assert.True((int)retrieve.GetTagItem("rag.passages")! > 0);
        var prompt = _recorder.Spans.Single(s => s.OperationName == "rag.prompt");
        Assert.Equal(retrieve.TraceId, prompt.TraceId);
        Assert.Equal(retrieve.TraceId, model.TraceId);

        using var probe = _app.AnonymousClient();
        var metrics = await probe.GetStringAsync("/metrics");
        Assert.Contains("gen_ai_client_operation_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("gen_ai_client_token_usage", metrics, StringComparison.Ordinal);
        Assert.Contains("chat_generation_time_to_first_token_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("chat_generation_duration_seconds_bucket", metrics, StringComparison.Ordinal);
    }
}
