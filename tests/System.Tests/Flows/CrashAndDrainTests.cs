using System.Text.Json;
using Npgsql;
using OllamaSimulator;
using SystemTests.Harness;
using Testing;
using WebhookSink;
using Xunit.Abstractions;

namespace SystemTests.Flows;

/// <summary>
/// Issue 7: each service is stopped while it holds accepted work — <c>kill -9</c> (no shutdown at all) or SIGTERM
/// (graceful) — and every accepted job still completes after the restart. SIGTERM must end the process within the
/// shutdown timeout and release its job leases (no job row left <c>running</c>), so the work is taken again at once
/// rather than after lease expiry. Work is made slower than the shutdown timeout (slow simulator / slow sink) so it is
/// really in flight when the signal arrives.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class CrashAndDrainTests(SystemDependencies deps, ITestOutputHelper output)
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The drain (handlers cancelled at the shutdown timeout minus the outcome-write reserve, leases released) fits in
    /// the shutdown timeout; the slack is process teardown on a loaded 2-core machine, far below the 3 s a drain that
    /// overran by the outcome-write timeout would add.
    /// </summary>
    private static readonly TimeSpan DrainBound = ShutdownTimeout + TimeSpan.FromSeconds(1.5);

    private static readonly TimeSpan InFlightBound = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan CompletionBound = TimeSpan.FromSeconds(90);
    private static readonly string[] Queues = ["ingestion", "chat-tasks", "evaluations", "suite-generation", "deliveries"];

    /// <summary>Rows run by default: one crash and one drain; every row with <c>SYSTEM_TESTS_FULL=1</c>.</summary>
    public static TheoryData<ServiceKind, StopSignal> Rows()
    {
        var rows = new TheoryData<ServiceKind, StopSignal>();
        foreach (var kind in Enum.GetValues<ServiceKind>())
        {
            foreach (var stop in Enum.GetValues<StopSignal>())
            {
                var quick = (kind, stop) is (ServiceKind.ChatService, StopSignal.Kill) or (ServiceKind.DistributorService,
                    StopSignal.Terminate);
                if (quick || SystemTestSettings.Full)
                {
                    rows.Add(kind, stop);
                }
            }
        }

        return rows;
    }

    /// <summary>Short leases and a short shutdown timeout, so a crash is recovered in seconds (the AppHost keeps the defaults).</summary>
    private static Dictionary<string, string> ShortLeaseEnvironment()
    {
        var environment = new Dictionary<string, string>
        {
            ["ServiceDefaults__ShutdownTimeout"] = "00:00:05",
            ["Jobs__SweepInterval"] = "00:00:01",
            ["Jobs__OutcomeWriteTimeout"] = "00:00:03",
        };
        foreach (var queue in Queues)
        {
            environment[$"Jobs__Queues__{queue}__LeaseDuration"] = "00:00:05";
            environment[$"Jobs__Queues__{queue}__HeartbeatInterval"] = "00:00:01";
        }

        return environment;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Every_accepted_job_completes_after_the_service_is_stopped_mid_work_and_restarted(ServiceKind kind, StopSignal stop)
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(CrashAndDrainTests), ct, ShortLeaseEnvironment());
        await deps.RestoreAllAsync(ct);
        var api = new StackApi(stack);
        var service = stack[kind];
        try
        {
            var verify = kind switch
            {
                ServiceKind.ChatService => await StartChatWorkAsync(api, ct),
                ServiceKind.EvaluationService => await StartEvaluationWorkAsync(api, ct),
                _ => await StartDeliveryWorkAsync(api, ct),
            };

            if (stop == StopSignal.Kill)
            {
                await service.KillAsync(ct);
                output.WriteLine($"{service.Name} killed (SIGKILL) mid-work");
            }
            else
            {
                var drained = await service.TerminateAsync(DrainBound, ct);
                output.WriteLine($"{service.Name} exited {drained.TotalSeconds:0.0} s after SIGTERM (exit code {service.LastExitCode})");
                output.WriteLine(service.WarningLines(12));
                var running = await RunningJobsAsync(stack.DatabaseOf(kind), ct);
                Assert.True(running.Count == 0,
                    $"{service.Name} exited but left jobs running (leases not released): " +
                    $"{string.Join(", ", running)}\n{service.LogTail(40)}");
            }

            // The dependencies are fast again: what remains is the restarted service finishing the accepted work.
            deps.Simulator.Faults.Clear();
            deps.Sink.SetBehavior(SinkBehavior.Succeed(200));
            await service.StartAsync(ct);
            await verify(ct);
        }
        finally
        {
            deps.Simulator.Faults.Clear();
            deps.Sink.Reset();
        }
    }

    /// <summary>
    /// Issue 13: SIGTERM while chats and a chat task are generating on a model that stalled mid-stream. The drain must fit
    /// the shutdown timeout (it used to run past it: the stalled reads ignored every token), the chats get their partial
    /// answers, no connection to the model is left open, and the released task completes after the restart.
    /// </summary>
    [Fact]
    public async Task Sigterm_with_generations_stalled_on_the_model_drains_in_time_answers_the_chats_and_releases_the_task()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(CrashAndDrainTests), ct, ShortLeaseEnvironment());
        await deps.RestoreAllAsync(ct);
        var api = new StackApi(stack);
        try
        {
            deps.Simulator.Faults.Chat = new FaultSettings { StallAfterTokens = 2 };
            var marker = Guid.NewGuid().ToString("N")[..8];
            var task = await api.CreateChatTaskAsync($"What does the stalled drain {marker} keep?", ct);
            var chat = StackApi.SendAsync(stack.Chat,
                stack.Request(HttpMethod.Post, "api/chat", new { message = $"Tell me about the stalled drain {marker}" },
                    budget: TimeSpan.FromSeconds(60)), ct);
            // Both generations (the task's and the chat's) have reached the model and received their two tokens.
            await deps.Simulator.WaitUntilAsync(s => s.ChatRequests >= 2 && s.InFlight >= 2, InFlightBound, ct);
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);

            var drained = await stack.Chat.TerminateAsync(DrainBound, ct);
            output.WriteLine($"ChatService exited {drained.TotalSeconds:0.0} s after SIGTERM with two generations stalled on the model");

            var (status, json, body, response) = await chat;
            response.Dispose();
            Assert.True(status == System.Net.HttpStatusCode.OK, $"the stalled chat answered {(int)status} at shutdown: {body}");
            Assert.True(json!.Value.GetProperty("partial").GetBoolean(), $"the chat should get its partial answer at shutdown: {body}");
            await deps.Simulator.WaitUntilAsync(s => s.InFlight == 0, TimeSpan.FromSeconds(3), ct);
            var running = await RunningJobsAsync(stack.DatabaseOf(ServiceKind.ChatService), ct);
            Assert.True(running.Count == 0, $"ChatService left jobs running (leases not released): {string.Join(", ", running)}");

            deps.Simulator.Faults.Clear();
            await stack.Chat.StartAsync(ct);
            var finished = await api.WaitChatTaskFinalAsync(task, CompletionBound, ct);
            Assert.True(finished.GetProperty("status").GetString() == "succeeded",
                $"the released task ended {finished}\n{stack.Chat.LogTail(40)}");
        }
        finally
        {
            deps.Simulator.Faults.Clear();
        }
    }

    /// <summary>An ingestion (embedding slower than the shutdown timeout) and a chat task (tokens 1 s apart) in flight.</summary>
    private async Task<Func<CancellationToken, Task>> StartChatWorkAsync(StackApi api, CancellationToken ct)
    {
        deps.Simulator.Faults.Embed = new FaultSettings { FirstTokenDelayMs = 8000 };
        deps.Simulator.Faults.Chat = new FaultSettings { TokenDelayMs = 1000 };
        var marker = Guid.NewGuid().ToString("N")[..8];
        var document = await api.UploadDocumentAsync($"crash-{marker}.txt", $"Crash notes {marker}",
            $"The crash notes {marker} say the Velmora archive stores its ledgers in sealed copper vaults.\n", ct);
        var task = await api.CreateChatTaskAsync($"Where does the Velmora archive store its ledgers {marker}?", ct);
        await deps.Simulator.WaitUntilAsync(s => s.InFlight >= 1 && s.ChatRequests >= 1, InFlightBound, ct);
        var inFlightDocument = await api.GetAsync(api.Stack.Chat, $"api/documents/{document}", ct);
        output.WriteLine($"in flight: document {inFlightDocument.GetProperty("status")}, task {task}");

        return async c =>
        {
            var finished = await api.WaitChatTaskFinalAsync(task, CompletionBound, c);
            Assert.True(finished.GetProperty("status").GetString() == "succeeded",
                $"chat task ended {finished}\n{api.Stack.Chat.LogTail(40)}");
            var result = finished.GetProperty("result");
            Assert.False(string.IsNullOrWhiteSpace(result.GetProperty("answer").GetString()), finished.ToString());
            Assert.False(result.TryGetProperty("partial", out var partial) && partial.GetBoolean(),
                $"a complete answer, not a partial one: {finished}");
            var ingested = await api.WaitDocumentSettledAsync(document, CompletionBound, c);
            Assert.True(ingested.GetProperty("status").GetString() == "ready", $"document ended {ingested}\n{api.Stack.Chat.LogTail(40)}");
        };
    }

    /// <summary>A six-case run whose every chat takes 2.5 s at the simulator, stopped after its first case.</summary>
    private async Task<Func<CancellationToken, Task>> StartEvaluationWorkAsync(StackApi api, CancellationToken ct)
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        // Unique questions: a cached answer from an earlier run would not exercise the restart.
        var cases = Enumerable.Range(1, 6)
            .Select(i => new { question = $"What does crash case {i} of run {marker} say about resumption?",
                expectedKeywords = new[] { "resumption" } })
            .ToArray();
        var suiteId = await api.CreateSuiteAsync(new { name = $"crash suite {marker}", cases }, ct);
        deps.Simulator.Faults.Chat = new FaultSettings { FixedLatencyMs = 2500 };
        var runId = await api.StartEvaluationAsync(new { suiteId, parallelism = 2, caseTimeoutSeconds = 60 }, ct);
        await Eventually.UntilAsync(c => api.GetAsync(api.Stack.Evaluation, $"api/evaluations/{runId}", c),
            r => r.GetProperty("progress").GetProperty("done").GetInt32() >= 1, InFlightBound, "the run should finish its first case", ct);
        await deps.Simulator.WaitUntilAsync(s => s.InFlight >= 1, InFlightBound, ct);

        return async c =>
        {
            var run = await api.WaitEvaluationFinalAsync(runId, CompletionBound, c);
            Assert.True(run.GetProperty("status").GetString() == "succeeded", $"run ended {run}\n{api.Stack.Evaluation.LogTail(40)}");
            Assert.Equal(6, run.GetProperty("progress").GetProperty("done").GetInt32());
            var report = await api.GetAsync(api.Stack.Evaluation, $"api/evaluations/{runId}/report", c);
            foreach (var row in report.GetProperty("cases").EnumerateArray())
            {
                // Resumed, not restarted: each case has exactly its one repetition, and it was answered.
                var repetition = Assert.Single(row.GetProperty("repetitions").EnumerateArray());
                Assert.True(repetition.GetProperty("outcome").GetString() is "passed" or "failed",
                    $"case answered after the restart: {row}");
            }
        };
    }

    /// <summary>Five deliveries to a sink path that answers after 8 s (longer than the shutdown timeout).</summary>
    private async Task<Func<CancellationToken, Task>> StartDeliveryWorkAsync(StackApi api, CancellationToken ct)
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = $"/hooks/slow-{marker}";
        // A type of its own: destinations of earlier rows must not receive (and count) these events.
        var type = $"system.crash.{marker}";
        deps.Sink.SetBehavior(path, SinkBehavior.Slow(TimeSpan.FromSeconds(8)));
        await api.CreateDestinationAsync(new
        {
            name = "system-tests slow " + path,
            url = deps.Sink.UrlFor(path).ToString(),
            eventTypes = new[] { type },
            timeoutSeconds = 30,
            backoff = new { initialSeconds = 1, multiplier = 2, maxSeconds = 5 },
        }, ct);
        var distributions = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            distributions.AddRange(await api.PostEventAsync(type, new { n = i }, ct));
        }

        Assert.Equal(5, distributions.Count);
        await deps.Sink.WaitUntilAsync(s => s.InFlight >= 1, InFlightBound, ct);

        return async c =>
        {
            deps.Sink.SetBehavior(path, SinkBehavior.Succeed(200));
            foreach (var id in distributions)
            {
                await Eventually.UntilAsync(async c2 => await api.DistributionStatusAsync(id, c2) == "succeeded", CompletionBound,
                    $"distribution {id} should be delivered after the restart\n{api.Stack.Distributor.LogTail(30)}", c);
            }

            // At least once: each distribution reached the sink with a success (a redelivery after the crash is allowed).
            var delivered = deps.Sink.RequestsTo(path).Where(r => r.ResponseStatus == 200).Select(r => r.Header("Idempotency-Key"))
                .ToHashSet();
            Assert.All(distributions, id => Assert.Contains(id.ToString(), delivered));
        };
    }

    private static async Task<List<string>> RunningJobsAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT queue || ':' || id::text || ' lease ' || coalesce(lease_owner, '-') FROM " +
            "jobs WHERE state = 'running'", connection);
        var running = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            running.Add(reader.GetString(0));
        }

        return running;
    }
}
