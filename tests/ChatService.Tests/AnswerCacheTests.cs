using System.Net.Http.Json;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

/// <summary>
/// A bare question asked again is answered from the answer cache. The turn starts embedding the question before it
/// knows (the embedding runs beside the cache lookup), but Chroma is queried only after a miss: a cached answer costs
/// no model call, no embedding call (the question's vector is cached too) and no vector query.
/// </summary>
[Collection("dependencies")]
public sealed class AnswerCacheTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private readonly SpanRecorder _recorder = new("ChatService");
    private ChatApp _app = null!;

    public async Task InitializeAsync()
    {
        var chroma = await deps.GetChromaAsync();
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, simulator.Server);
    }

    public async Task DisposeAsync()
    {
        _recorder.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_repeated_question_is_answered_from_the_cache_without_the_model_or_a_vector_query()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        await alice.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(30));
        var question = $"How long did the Hekla eruption of 1947 last ({Guid.NewGuid():N})?";

        var first = await alice.ChatJsonAsync(new { message = question });
        Assert.False(first.GetProperty("cached").GetBoolean());
        Assert.NotEmpty(first.GetProperty("citations").EnumerateArray());
        Assert.Equal(1, VectorQueries());

        var (chats, embeds) = (simulator.Server.ChatRequests, simulator.Server.EmbedRequests);
        var second = await alice.ChatJsonAsync(new { message = question });

        Assert.True(second.GetProperty("cached").GetBoolean());
        Assert.Equal(first.GetProperty("answer").GetString(), second.GetProperty("answer").GetString());
        Assert.Equal(first.GetProperty("citations").GetArrayLength(), second.GetProperty("citations").GetArrayLength());
        Assert.Equal(chats, simulator.Server.ChatRequests);
        Assert.Equal(embeds, simulator.Server.EmbedRequests);
        Assert.Equal(1, VectorQueries());

        // A new session each time: both turns are in the caller's history.
        var sessions = await alice.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/sessions?limit=10");
        Assert.Equal(2, sessions.GetProperty("items").GetArrayLength());
    }

    private int VectorQueries() => _recorder.Spans.Count(span => span.OperationName == "rag.vector_query");
}
