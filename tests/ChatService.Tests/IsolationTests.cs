using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

[Collection("dependencies")]
public sealed class IsolationTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Users_see_only_their_own_documents_sessions_and_passages()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var bob = new ChatApiClient(_app.ClientFor(Users.New("bob")));
        var doc = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
        await alice.WaitForDocumentStatusAsync(doc, "pending_index", TimeSpan.FromSeconds(30));
        var aliceAnswer = await alice.ChatJsonAsync(new { message = "Hekla eruption 1947" });
        var session = aliceAnswer.GetProperty("sessionId").GetGuid();
        Assert.NotEmpty(aliceAnswer.GetProperty("citations").EnumerateArray());

        foreach (var path in new[] { $"/api/documents/{doc}", $"/api/sessions/{session}/messages" })
        {
            using var response = await bob.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using (var delete = await bob.Http.DeleteAsync($"/api/documents/{doc}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        }

        using (var chatInto = await bob.ChatAsync(new { message = "hi", sessionId = session }))
        {
            Assert.Equal(HttpStatusCode.NotFound, chatInto.StatusCode);
        }

        using (var restricted = await bob.ChatAsync(new { message = "hi", documentIds = new[] { doc } }))
        {
            Assert.Equal(HttpStatusCode.NotFound, restricted.StatusCode);
        }

        var bobAnswer = await bob.ChatJsonAsync(new { message = "Hekla eruption 1947" });
        Assert.Empty(bobAnswer.GetProperty("citations").EnumerateArray());
        var bobDocs = await bob.Http.GetFromJsonAsync<JsonElement>("/api/documents");
        Assert.Equal(0, bobDocs.GetProperty("items").GetArrayLength());
    }
}
