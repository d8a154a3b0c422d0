using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

[Collection("dependencies")]
public sealed class ChatFlowTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;

    public async Task InitializeAsync()
    {
        var chroma = await deps.GetChromaAsync();
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma.BaseAddress, simulator.Server);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Uploaded_document_becomes_ready_and_chat_cites_it()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);

        var document = await alice.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(30));
        Assert.True(document.GetProperty("chunks").GetInt32() > 0);

        var answer = await alice.ChatJsonAsync(new { message = "How long did the Hekla eruption of 1947 last?" });
        Assert.False(answer.GetProperty("degraded").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("answer").GetString()));
        var citations = answer.GetProperty("citations").EnumerateArray().ToList();
        Assert.Contains(citations, c => c.GetProperty("documentId").GetGuid() == id);
        Assert.NotEqual(Guid.Empty, answer.GetProperty("sessionId").GetGuid());
        Assert.True(answer.GetProperty("timings").GetProperty("totalMs").GetInt64() >= 0);

        var prompt = simulator.Server.Requests.Last(r => r.Endpoint == "chat");
        Assert.Contains(prompt.Messages, m => m.Content.Contains("thirteen months", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Identical_content_uploaded_twice_returns_the_existing_document()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var first = await alice.UploadTextAsync("bread.txt", SampleDocuments.Bread);
        using var second = await alice.UploadAsync("bread-copy.txt", Encoding.UTF8.GetBytes(SampleDocuments.Bread));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(first, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Chat_streams_tokens_then_citations_and_a_final_event()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        await alice.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(30));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat")
        {
            Content = JsonContent.Create(new { message = "What grounded European air traffic in 2010?" }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await alice.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = new List<SseEvent>();
        await foreach (var e in SseReader.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(e);
        }

        var names = events.Select(e => e.Name).ToList();
        Assert.True(names.Count(n => n == "token") >= 2, string.Join(",", names));
        Assert.Equal(["citations", "final"], names.SkipWhile(n => n == "token"));
        var streamedText = string.Concat(events.Where(e => e.Name == "token").Select(e => e.Json.GetProperty("text").GetString()));
        var final = events[^1].Json;
        Assert.Equal(final.GetProperty("answer").GetString(), streamedText);
        Assert.Contains(events[^2].Json.EnumerateArray(), c => c.GetProperty("documentId").GetGuid() == id);

        var messages = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/sessions/{final.GetProperty("sessionId")}/messages");
        var items = messages.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant"], items.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(streamedText, items[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Session_history_is_kept_and_listed_in_pages()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var created = await alice.Http.PostAsJsonAsync("/api/sessions", new { title = "trip" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sessionId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        for (var i = 0; i < 3; i++)
        {
            await alice.ChatJsonAsync(new { message = $"Question number {i} about travel", sessionId });
        }

        var page1 = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/sessions/{sessionId}/messages?limit=4");
        Assert.Equal(4, page1.GetProperty("items").GetArrayLength());
        var cursor = page1.GetProperty("nextCursor").GetString();
        var page2 = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/sessions/{sessionId}/messages?limit=4&cursor={cursor}");
        Assert.Equal(2, page2.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("nextCursor").ValueKind);

        var lastPrompt = simulator.Server.Requests.Last(r => r.Endpoint == "chat");
        Assert.Contains(lastPrompt.Messages, m => m.Role == "user" && m.Content.Contains("Question number 0", StringComparison.Ordinal));

        using var deleted = await alice.Http.DeleteAsync($"/api/sessions/{sessionId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await alice.Http.GetAsync($"/api/sessions/{sessionId}/messages");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Deleted_document_is_no_longer_cited()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var id = await alice.UploadTextAsync("bread.txt", SampleDocuments.Bread);
        await alice.WaitForDocumentStatusAsync(id, "ready", TimeSpan.FromSeconds(30));

        using var deleted = await alice.Http.DeleteAsync($"/api/documents/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        var answer = await alice.ChatJsonAsync(new { message = "Why does sourdough bread rise?" });
        Assert.Empty(answer.GetProperty("citations").EnumerateArray());
        using var gone = await alice.Http.GetAsync($"/api/documents/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
