using System.Net.Http.Headers;
using ChatService.Activity;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

[Collection("dependencies")]
public sealed class ActivityStreamTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Activity_stream_reports_the_callers_ingestion_and_chat_steps()
    {
        var user = Users.New("alice");
        using var alice = new ChatApiClient(_app.ClientFor(user));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/activity");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await alice.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var hub = _app.Get<ActivityHub>();
        await Eventually.UntilAsync(() => hub.SubscriberCount == 1, TimeSpan.FromSeconds(5), "the stream should be subscribed");

        var id = await alice.UploadTextAsync("bread.txt", SampleDocuments.Bread);
        await alice.ChatJsonAsync(new { message = "Why does sourdough rise?" });

        var seen = new List<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var e in SseReader.ReadAsync(await response.Content.ReadAsStreamAsync(deadline.Token), deadline.Token))
        {
            seen.Add(e.Name);
            // why: ingestion runs as a job beside the chat; on a loaded machine its step can come after the answer's
            if (seen.Contains("generation_finished") && seen.Contains("ingestion"))
            {
                break;
            }
        }

        Assert.Contains("ingestion", seen);
        Assert.Contains("retrieval", seen);
        Assert.Contains("generation_started", seen);
        Assert.NotEqual(Guid.Empty, id);
    }

    [Fact]
    public async Task Many_connect_disconnect_cycles_leave_no_subscriber_behind()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        var hub = _app.Get<ActivityHub>();
        for (var i = 0; i < 200; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/activity");
            using var response = await alice.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[16];
            _ = await stream.ReadAsync(buffer);
        }

        await Eventually.UntilAsync(() => hub.SubscriberCount == 0, TimeSpan.FromSeconds(20),
            "every disconnected subscriber should be removed");
    }
}
