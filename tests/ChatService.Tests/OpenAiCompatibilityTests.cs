using System.ClientModel;
using System.Text;
using ChatService.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using Testing;

namespace ChatService.Tests;

[Collection("dependencies")]
public sealed class OpenAiCompatibilityTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Official_openai_client_completes_streams_and_lists_models()
    {
        var user = Users.New("alice");
        using (var alice = new ChatApiClient(_app.ClientFor(user)))
        {
            var id = await alice.UploadTextAsync("volcanoes.md", SampleDocuments.Volcano);
            await alice.WaitForDocumentStatusAsync(id, "pending_index", TimeSpan.FromSeconds(30));
        }

        var options = new OpenAIClientOptions { Endpoint = new Uri(_app.BaseAddress, "/v1") };
        var client = new OpenAIClient(new ApiKeyCredential(ChatApp.TokenFor(user)), options);
        var chat = client.GetChatClient("rag");

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("How long did the Hekla eruption of 1947 last?")]);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);

        var streamed = new StringBuilder();
        var updates = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("What grounded air traffic in 2010?")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        Assert.True(updates > 2);
        Assert.False(string.IsNullOrWhiteSpace(streamed.ToString()));

        var models = await client.GetOpenAIModelClient().GetModelsAsync();
        Assert.Contains(models.Value, m => m.Id == "rag");
    }
}
