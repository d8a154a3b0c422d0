using System.Collections.Concurrent;
using System.Diagnostics;
using SystemTests.Harness;
using Testing;
using Xunit.Abstractions;

namespace SystemTests.Faults;

/// <summary>
/// The fault matrix (<see cref="FaultMatrix.Cells"/>): for each row, while the fault holds, every service's
/// <c>/alive</c> and <c>/health/ready</c> answer within 1 s with the readiness the row demands, the row's API cells
/// hold, and after the fault clears every service is ready again without a restart (same process id).
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class FaultMatrixTests(SystemDependencies deps, ITestOutputHelper output)
{
    /// <summary>Every probe must answer within this, whatever the dependency does (two slow in a row fail the row).</summary>
    private static readonly TimeSpan ProbeBound = TimeSpan.FromSeconds(1);

    /// <summary>How many probes in a row may be slower than <see cref="ProbeBound"/> before the row fails.</summary>
    private const int ConsecutiveSlowProbes = 2;

    /// <summary>Health results are cached 2 s and each check is bounded at 2 s: a change shows within ~4 s; generous for a loaded
    /// machine.</summary>
    private static readonly TimeSpan DetectionBound = TimeSpan.FromSeconds(20);

    /// <summary>Services that must stay up are watched at least this long (several health-cache periods).</summary>
    private static readonly TimeSpan ObservationWindow = TimeSpan.FromSeconds(6);

    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(60);

    [Theory]
    [MemberData(nameof(FaultMatrix.Rows), MemberType = typeof(FaultMatrix))]
    public async Task Probes_stay_fast_readiness_follows_the_design_table_and_recovers_without_restart(Dependency dependency, Fault fault)
    {
        var cell = FaultMatrix.Find(dependency, fault);
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(FaultMatrixTests), ct);
        await FaultInjector.ClearAsync(deps, ct);
        await StartCleanAsync(stack, ct);
        var pids = stack.All.ToDictionary(s => s.Kind, s => s.ProcessId);

        var failures = new ConcurrentQueue<string>();
        await FaultInjector.ApplyAsync(deps, dependency, fault, ct);
        output.WriteLine($"{dependency} {fault}: applied");
        try
        {
            await Task.WhenAll(stack.All.Select(service => WatchAsync(service, cell.For(service.Kind), failures, ct)));
            foreach (var check in cell.Api)
            {
                var failure = await ApiChecks.RunAsync(check, stack, ct);
                output.WriteLine($"{check}: {failure ?? "ok"}");
                if (failure is not null)
                {
                    failures.Enqueue($"{check}: {failure}");
                }
            }
        }
        finally
        {
            await FaultInjector.ClearAsync(deps, CancellationToken.None);
            output.WriteLine($"{dependency} {fault}: cleared");
        }

        await AllReadyAsync(stack, "after the fault cleared (no restart)", ct);
        foreach (var service in stack.All)
        {
            if (service.ProcessId != pids[service.Kind])
            {
                failures.Enqueue($"{service.Name} was restarted (pid {pids[service.Kind]} → {service.ProcessId}); recovery must not " +
                    $"need a restart");
            }
        }

        Assert.True(failures.IsEmpty, $"{dependency} × {fault}:\n" + string.Join('\n', failures) + LogTails(stack));
    }

    [Fact]
    public async Task A_row_starts_with_every_breaker_closed_even_when_an_earlier_row_left_them_open()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(FaultMatrixTests), ct);
        await FaultInjector.ClearAsync(deps, ct);
        var opened = new List<string>();
        foreach (var service in stack.All)
        {
            foreach (var (name, _) in await stack.CircuitBreakersAsync(service, ct))
            {
                await stack.CircuitBreakerActionAsync(service, name, "isolate", ct);
                opened.Add($"{service.Name}/{name}");
            }
        }

        Assert.True(opened.Count > 0, "no service lists a circuit breaker: the clean-start reset would have nothing to do");
        output.WriteLine($"isolated: {string.Join(", ", opened)}");

        await StartCleanAsync(stack, ct);

        foreach (var service in stack.All)
        {
            var notClosed = (await stack.CircuitBreakersAsync(service, ct)).Where(b => b.State != "Closed").ToArray();
            Assert.True(notClosed.Length == 0, $"{service.Name} breakers not closed after the clean start: {string.Join(", ", notClosed)}");
        }
    }

    private async Task WatchAsync(ServiceProcess service, Readiness expected, ConcurrentQueue<string> failures, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var reached = expected is Readiness.Unaffected or Readiness.Up;
        var seen = new List<string>();
        var slowest = TimeSpan.Zero;
        var slowAlive = 0;
        var slowReady = 0;
        while (true)
        {
            var alive = await SystemStack.ProbeAliveAsync(service, ct);
            var ready = await SystemStack.ProbeReadyAsync(service, ct);
            seen.Add($"{ready.Code} {ready.Status}");
            slowest = ready.Elapsed > slowest ? ready.Elapsed : slowest;
            // why two in a row: an orchestrator acts on consecutive probe failures (Kubernetes' failureThreshold is 3), and
            // the probes share the test machine's 2 cores with the whole stack: one /alive of 1,003 ms failed a full CI run.
            // A wrong answer (not 200, no answer) still fails at once.
            slowAlive = alive.Elapsed > ProbeBound ? slowAlive + 1 : 0;
            slowReady = ready.Elapsed > ProbeBound ? slowReady + 1 : 0;
            if (alive.Code != 200 || slowAlive >= ConsecutiveSlowProbes)
            {
                failures.Enqueue($"{service.Name} /alive: {alive} (must be 200 within {ProbeBound.TotalSeconds:0} s, "
                                 + $"{slowAlive} slow in a row)");
            }

            if (ready.Code == 0 || slowReady >= ConsecutiveSlowProbes)
            {
                failures.Enqueue($"{service.Name} /health/ready: {ready} (must answer within {ProbeBound.TotalSeconds:0} s, "
                                 + $"{slowReady} slow in a row)");
            }

            switch (expected)
            {
                case Readiness.Unaffected or Readiness.Up or Readiness.Degraded when ready.Code == 503:
                    failures.Enqueue($"{service.Name} /health/ready went 503 ({ready.Body}); expected {expected}");
                    break;
                case Readiness.Degraded when ready is { Code: 200, Status: "Degraded" }:
                case Readiness.NotReady when ready.Code == 503:
                    reached = true;
                    break;
            }

            if (reached && stopwatch.Elapsed >= ObservationWindow)
            {
                output.WriteLine($"{service.Name}: {expected} reached; readiness seen {string.Join(" → ", Transitions(seen))}; slowest " +
                    $"probe {slowest.TotalMilliseconds:0} ms");
                return;
            }

            if (stopwatch.Elapsed > DetectionBound)
            {
                failures.Enqueue($"{service.Name}: /health/ready never showed {expected} within {DetectionBound.TotalSeconds:0} s; saw " +
                    $"{string.Join(" → ", Transitions(seen))}");
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }

    /// <summary>
    /// Every row starts from the same state: dependencies restored (above), every breaker of every service closed
    /// through the admin API (an earlier row, e.g. Ollama × Erroring, may have left one open for its break duration),
    /// and every service's readiness <c>Healthy</c>. Recovery itself is asserted at the end of each row without this help.
    /// </summary>
    private async Task StartCleanAsync(SystemStack stack, CancellationToken ct)
    {
        var reset = await stack.ResetCircuitBreakersAsync(ct);
        output.WriteLine($"breakers reset (state before): {(reset.Count == 0 ? "none registered" : string.Join(", ", reset))}");
        await stack.WaitAllHealthyAsync(RecoveryBound, "before the fault (dependencies restored, breakers reset)", ct);
    }

    private static async Task AllReadyAsync(SystemStack stack, string when, CancellationToken ct)
    {
        foreach (var service in stack.All)
        {
            await Eventually.UntilAsync(async token => (await SystemStack.ProbeReadyAsync(service, token)).Code == 200, RecoveryBound,
                $"{service.Name} /health/ready should answer 200 {when}\n{service.LogTail(30)}", ct);
        }
    }

    private static IEnumerable<string> Transitions(List<string> seen) =>
        seen.Where((s, i) => i == 0 || seen[i - 1] != s);

    private static string LogTails(SystemStack stack) =>
        string.Concat(stack.All.Select(s => $"\n--- {s.Name} (errors) ---\n{s.ErrorLines()}\n--- {s.Name} (last lines) " +
            $"---\n{s.LogTail(15)}"));
}
