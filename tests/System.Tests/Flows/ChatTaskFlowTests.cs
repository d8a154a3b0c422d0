using System.Net;
using System.Text.Json;
using OllamaSimulator;
using SystemTests.Harness;
using Testing;

namespace SystemTests.Flows;

/// <summary>Issue 7, flow 2: an asynchronous chat task is polled to its result; another is cancelled mid-generation.</summary>
[Collection(SystemCollection.Name)]
public sealed class ChatTaskFlowTests(SystemDependencies deps)
{
    private static readonly TimeSpan FlowBound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Chat_task_is_polled_to_its_result_and_another_is_cancelled_mid_generation()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(ChatTaskFlowTests), ct);
        await deps.RestoreAllAsync(ct);

        var done = await CreateTaskAsync(stack, "What does the system test prove about chat tasks?", ct);
        var finished = await Eventually.UntilAsync(ct2 => GetTaskAsync(stack, done, ct2), t => t.Status is not ("queued" or "running"),
            FlowBound, "the chat task should finish", ct);
        Assert.True(finished.Status == "succeeded", $"task {done} ended {finished.Status}: {finished.Body}\n{stack.Chat.LogTail(30)}");
        Assert.True(finished.Root.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object,
            $"a succeeded task carries its answer: {finished.Body}");
        Assert.False(string.IsNullOrWhiteSpace(result.GetProperty("answer").GetString()), finished.Body);

        // Slow tokens: the second generation is still streaming when the cancel arrives.
        deps.Simulator.Faults.Chat = new FaultSettings { TokenDelayMs = 1000 };
        var cancelledBefore = deps.Simulator.CancelledRequests;
        var chatBefore = deps.Simulator.ChatRequests;
        var victim = await CreateTaskAsync(stack, "Which generation will be cancelled while it streams its tokens?", ct);
        // Wait for the generation itself (not the question's embedding request) to be streaming.
        await deps.Simulator.WaitUntilAsync(s => s.ChatRequests > chatBefore && s.InFlight > 0, FlowBound, ct);
        using (var cancel = stack.Request(HttpMethod.Post, $"api/chat/tasks/{victim}/cancel"))
        using (var response = await stack.Chat.Http.SendAsync(cancel, ct))
        {
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.NoContent,
                $"cancel answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        var cancelled = await Eventually.UntilAsync(ct2 => GetTaskAsync(stack, victim, ct2), t => t.Status is not ("queued" or "running"),
            FlowBound, "the cancelled task should reach a final state", ct);
        Assert.True(cancelled.Status == "cancelled", $"task {victim} ended {cancelled.Status}: {cancelled.Body}");
        // The generation itself stopped: the simulator saw its client leave.
        await deps.Simulator.WaitUntilAsync(s => s.CancelledRequests > cancelledBefore && s.InFlight == 0, TimeSpan.FromSeconds(30), ct);
        deps.Simulator.Faults.Clear();
    }

    private static async Task<Guid> CreateTaskAsync(SystemStack stack, string message, CancellationToken ct)
    {
        using var request = stack.Request(HttpMethod.Post, "api/chat/tasks", new { message });
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await stack.Chat.Http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /api/chat/tasks answered {(int)response.StatusCode}: {body}");
        Assert.NotNull(response.Headers.Location);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<TaskState> GetTaskAsync(SystemStack stack, Guid id, CancellationToken ct)
    {
        using var request = stack.Request(HttpMethod.Get, $"api/chat/tasks/{id}");
        using var response = await stack.Chat.Http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        response.EnsureSuccessStatusCode();
        var doc = JsonDocument.Parse(body);
        return new TaskState(doc.RootElement.GetProperty("status").GetString()!, doc.RootElement.Clone(), body);
    }

    private sealed record TaskState(string Status, JsonElement Root, string Body);
}
