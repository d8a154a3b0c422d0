using OllamaSimulator;
using SystemTests.Harness;
using Testing;
using WebhookSink;
using Xunit.Abstractions;

namespace SystemTests.Flows;

/// <summary>
/// Issue 7, flow 3: a second process of each service against the same databases and Redis (started with the same
/// environment, on its own port). Work accepted by either instance is done once: each delivery reaches the sink once
/// per distribution id, each chat task is generated once, and a run created on one instance is finished and reported
/// on the other.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class SecondInstanceFlowTests(SystemDependencies deps, ITestOutputHelper output)
{
    private static readonly TimeSpan CompletionBound = TimeSpan.FromSeconds(90);

    [FullRunFact]
    public async Task Work_accepted_by_either_of_two_instances_is_done_once()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(SecondInstanceFlowTests), ct);
        await deps.RestoreAllAsync(ct);
        var api = new StackApi(stack);
        var seconds = stack.All.Select(s => new ServiceProcess(s.Kind, s.Environment)).ToList();
        try
        {
            await Task.WhenAll(seconds.Select(s => s.StartAsync(ct)));
            var chat2 = seconds.Single(s => s.Kind == ServiceKind.ChatService);
            var evaluation2 = seconds.Single(s => s.Kind == ServiceKind.EvaluationService);
            var distributor2 = seconds.Single(s => s.Kind == ServiceKind.DistributorService);

            // Deliveries: 20 events, accepted alternately by the two distributors, each delivered once.
            var marker = Guid.NewGuid().ToString("N");
            var path = $"/hooks/shared-{marker}";
            var type = $"system.shared.{marker}";
            deps.Sink.SetBehavior(path, SinkBehavior.Slow(TimeSpan.FromMilliseconds(300)));
            await api.CreateDestinationAsync(new { name = "system-tests shared " + path, url = deps.Sink.UrlFor(path).ToString(),
                eventTypes = new[] { type } }, ct);
            var distributions = new List<Guid>();
            for (var i = 0; i < 20; i++)
            {
                distributions.AddRange(await api.PostEventAsync(type, new { n = i }, ct, i % 2 == 0 ? stack.Distributor : distributor2));
            }

            // Chat tasks: six, created alternately on the two ChatServices (simulator 1 s per answer so they overlap).
            deps.Simulator.Faults.Chat = new FaultSettings { FixedLatencyMs = 1000 };
            var tasks = new List<(Guid Id, string Marker)>();
            for (var i = 0; i < 6; i++)
            {
                var taskMarker = $"shared{i}x{marker[..8]}";
                tasks.Add((await api.CreateChatTaskAsync($"What does the shared instance note {taskMarker} say?", ct,
                    i % 2 == 0 ? stack.Chat : chat2), taskMarker));
            }

            // A run created on the second EvaluationService.
            var suite = await new StackApi(stack).ExpectAsync(evaluation2, stack.Request(HttpMethod.Post, "api/suites", new
            {
                name = "shared suite " + marker,
                cases = Enumerable.Range(1, 3)
                    .Select(i => new { question = $"What does shared case {i} of {marker[..8]} say about sharing?" }).ToArray(),
            }), ct, System.Net.HttpStatusCode.Created);
            using var create = stack.Request(HttpMethod.Post, "api/evaluations",
                new { suiteId = suite.GetProperty("id").GetGuid(), parallelism = 2 });
            create.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            var run = await api.ExpectAsync(evaluation2, create, ct, System.Net.HttpStatusCode.Accepted);
            var runId = run.GetProperty("id").GetGuid();

            foreach (var id in distributions)
            {
                await Eventually.UntilAsync(async c => await api.DistributionStatusAsync(id, c) == "succeeded", CompletionBound,
                    $"distribution {id} should be delivered", ct);
            }

            var byId = deps.Sink.RequestsTo(path).GroupBy(r => r.Header("Idempotency-Key")).ToDictionary(g => g.Key ?? "", g => g.Count());
            Assert.Equal(distributions.Select(d => d.ToString()).Order(), byId.Keys.Order());
            Assert.All(byId, pair => Assert.True(pair.Value == 1, $"distribution {pair.Key} reached the sink {pair.Value} times"));

            foreach (var (id, taskMarker) in tasks)
            {
                // Polled on the instance that did not accept it: the state is shared.
                var viaOther = tasks.IndexOf((id, taskMarker)) % 2 == 0 ? chat2 : stack.Chat;
                var finished = await api.WaitChatTaskFinalAsync(id, CompletionBound, ct, viaOther);
                Assert.True(finished.GetProperty("status").GetString() == "succeeded", $"task {id} ended {finished}");
                var generations = deps.Simulator.Requests.Count(r => r.LastUserMessage?.Contains(taskMarker,
                    StringComparison.Ordinal) == true);
                Assert.True(generations == 1, $"task {id} was generated {generations} times");
            }

            var finishedRun = await Eventually.UntilAsync(c => api.GetAsync(stack.Evaluation, $"api/evaluations/{runId}", c),
                r => r.GetProperty("status").GetString() is not ("queued" or "running"), CompletionBound, "the run should finish", ct);
            Assert.True(finishedRun.GetProperty("status").GetString() == "succeeded", finishedRun.ToString());
            Assert.Equal(3, finishedRun.GetProperty("progress").GetProperty("done").GetInt32());
            var report = await api.GetAsync(evaluation2, $"api/evaluations/{runId}/report", ct);
            Assert.All(report.GetProperty("cases").EnumerateArray(), row => Assert.Single(row.GetProperty("repetitions").EnumerateArray()));
            output.WriteLine($"20 deliveries, 6 tasks and a 3-case run done once across two instances of each service");
        }
        finally
        {
            deps.Simulator.Faults.Clear();
            foreach (var second in seconds)
            {
                await second.DisposeAsync();
            }
        }
    }
}
