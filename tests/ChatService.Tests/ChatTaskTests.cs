using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using OllamaSimulator;
using Testing;

namespace ChatService.Tests;

[Collection("dependencies")]
public sealed class ChatTaskTests(DependenciesFixture deps) : IAsyncLifetime
{
    private OllamaSimulatorServer _simulator = null!;
    private ChatApp _app = null!;

    public async Task InitializeAsync()
    {
        _simulator = await OllamaSimulatorServer.StartAsync();
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, _simulator,
            new Dictionary<string, string?> { ["Llm:FirstTokenTimeout"] = "00:01:00", ["ChatTasks:Timeout"] = "00:00:02",
                ["ChatTasks:MaxAttempts"] = "1" });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    [Fact]
    public async Task Task_runs_in_the_background_and_stores_its_answer()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var created = await alice.Http.PostAsJsonAsync("/api/chat/tasks", new { message = "Summarise nothing" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        Assert.NotNull(created.Headers.Location);

        var done = await WaitForStatusAsync(alice, created.Headers.Location!.ToString(), "succeeded");
        Assert.False(string.IsNullOrWhiteSpace(done.GetProperty("result").GetProperty("answer").GetString()));
    }

    [Fact]
    public async Task Running_task_can_be_cancelled_and_the_generation_stops()
    {
        _simulator.Faults.Chat = new FaultSettings { Hang = true };
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var created = await alice.Http.PostAsJsonAsync("/api/chat/tasks", new { message = "This will hang" });
        var location = created.Headers.Location!.ToString();
        await _simulator.WaitUntilAsync(s => s.InFlight == 1, TimeSpan.FromSeconds(10));

        using var cancel = await alice.Http.PostAsync($"{location}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        await WaitForStatusAsync(alice, location, "cancelled");
        await _simulator.WaitUntilAsync(s => s.CancelledRequests == 1, TimeSpan.FromSeconds(10));
        using var again = await alice.Http.PostAsync($"{location}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Task_cancelled_while_its_tokens_stream_ends_cancelled_not_as_a_partial_success()
    {
        // This app's task timeout and idle bound are far beyond the test, so only the cancel request can end the task.
        await using var app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, _simulator,
            new Dictionary<string, string?> { ["ChatTasks:Timeout"] = "00:02:00", ["ChatTasks:MaxAttempts"] = "1",
                ["Llm:IdleTimeout"] = "00:01:00" });
        _simulator.Faults.Chat = new FaultSettings { TokenDelayMs = 1000 };
        using var streaming = new ModelResponseObserver(_simulator.BaseAddress.Port);
        using var alice = new ChatApiClient(app.ClientFor(Users.New("alice")));
        using var created = await alice.Http.PostAsJsonAsync("/api/chat/tasks", new { message = "Tell me a long story, slowly" });
        var location = created.Headers.Location!.ToString();
        // The simulator sends the response headers with the first token line: once they arrived, tokens are streaming.
        await streaming.WaitAsync(TimeSpan.FromSeconds(10));

        using var cancel = await alice.Http.PostAsync($"{location}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var final = await Eventually.UntilAsync(
            async ct => await alice.Http.GetFromJsonAsync<JsonElement>(location, ct),
            t => t.GetProperty("status").GetString() is not ("queued" or "running"),
            TimeSpan.FromSeconds(15),
            "the cancelled task should reach a final state");
        Assert.True(final.GetProperty("status").GetString() == "cancelled", $"the task ended {final}");
        await _simulator.WaitUntilAsync(s => s.CancelledRequests == 1 && s.InFlight == 0, TimeSpan.FromSeconds(10));
        Assert.Equal(1, _simulator.ChatRequests);
    }

    [Fact]
    public async Task Task_exceeding_its_timeout_ends_timed_out()
    {
        _simulator.Faults.Chat = new FaultSettings { Hang = true };
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var created = await alice.Http.PostAsJsonAsync("/api/chat/tasks", new { message = "This will also hang" });

        await WaitForStatusAsync(alice, created.Headers.Location!.ToString(), "timed_out");
        await _simulator.WaitUntilAsync(s => s.CancelledRequests == 1, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Another_users_task_is_not_found()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var bob = new ChatApiClient(_app.ClientFor(Users.New("bob")));
        using var created = await alice.Http.PostAsJsonAsync("/api/chat/tasks", new { message = "mine" });

        using var peek = await bob.Http.GetAsync(created.Headers.Location);
        Assert.Equal(HttpStatusCode.NotFound, peek.StatusCode);
        using var cancel = await bob.Http.PostAsync($"{created.Headers.Location}/cancel", null);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
    }

    private static Task<JsonElement> WaitForStatusAsync(ChatApiClient client, string location, string status) =>
        Eventually.UntilAsync(
            async ct => await client.Http.GetFromJsonAsync<JsonElement>(location, ct),
            t => t.GetProperty("status").GetString() == status,
            TimeSpan.FromSeconds(30),
            $"task should become {status}");
}
