using DurableJobs.Tests.Infrastructure;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>Claims are atomic across workers and processes; a dead worker's job is finished by another.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class DeliveryGuaranteeTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    [Fact]
    public async Task Thousand_jobs_complete_exactly_once_across_four_workers_in_two_hosts()
    {
        const int jobs = 1000;
        var ledger = new JobLedger();
        JobScript Script(string host) => new(async (job, ct) =>
        {
            using var _ = ledger.Enter(job, host);
            await Task.Yield();
            ledger.Complete(job);
            return null;
        });
        var a = await StartHostAsync(Settings("a", Script("a")) with { QueueOptions = o => o.Concurrency = 2 });
        var b = await StartHostAsync(Settings("b", Script("b")) with { QueueOptions = o => o.Concurrency = 2 });

        var ids = await a.StageAsync([.. Enumerable.Range(0, jobs).Select(i => a.Request(new { i }))], batch: 100, Timeout);

        await Eventually.UntilAsync(() => ledger.Completed >= jobs, Deadline, $"all {jobs} jobs should complete", Timeout);
        var rows = await Eventually.UntilAsync(b.RowsAsync, r => r.All(j => j.State == JobState.Succeeded), Deadline,
            "every row should be settled as succeeded", Timeout);
        Assert.Equal(jobs, rows.Count);
        Assert.All(rows, r => Assert.Equal(1, r.Attempt));
        Assert.Equal(ids.ToHashSet(), ledger.Completions.Keys.ToHashSet());
        Assert.All(ledger.Completions, c => Assert.Equal(1, c.Value));
        Assert.Equal(jobs, ledger.Completed);
        var hosts = ids.SelectMany(ledger.AttemptsOf).GroupBy(a => a.Host).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(hosts.Count == 2, $"both hosts should have worked: {string.Join(", ", hosts)}");
    }

    [Fact]
    public async Task Job_of_a_crashed_host_completes_on_another_after_its_lease_expires()
    {
        var ledger = new JobLedger();
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var crashing = await StartHostAsync(Settings("crashing", new JobScript(async (job, _) =>
        {
            using var __ = ledger.Enter(job, "crashing");
            hung.TrySetResult();
            // A process that dies mid-job never returns; the token is ignored on purpose.
            await new TaskCompletionSource().Task;
            return null;
        })));
        var id = (await crashing.EnqueueAsync(crashing.Request(), Timeout)).Job.Id;
        await hung.Task.WaitAsync(Deadline, Timeout);
        var survivor = await StartHostAsync(Settings("survivor", new JobScript((job, _) =>
        {
            using var __ = ledger.Enter(job, "survivor");
            ledger.Complete(job);
            return Task.FromResult<object?>("done");
        })));

        await crashing.CrashAsync();

        var done = await WaitForStateAsync(survivor, id, JobState.Succeeded, "the survivor should finish the job after the lease expires");
        Assert.Equal(2, done.Attempt);
        Assert.Equal([(1, "crashing"), (2, "survivor")], ledger.AttemptsOf(id));
        Assert.Equal(1, ledger.Completions[id]);
    }

    [Fact]
    public async Task Pool_never_runs_more_handlers_than_its_concurrency()
    {
        var ledger = new JobLedger();
        var host = await StartHostAsync(Settings("a", new JobScript(async (job, ct) =>
        {
            using var _ = ledger.Enter(job, "a");
            await Task.Delay(TimeSpan.FromMilliseconds(15), ct);
            ledger.Complete(job);
            return null;
        })) with { QueueOptions = o => { o.Concurrency = 3; o.BufferSize = 4; } });

        await host.StageAsync([.. Enumerable.Range(0, 60).Select(i => host.Request(new { i }))], batch: 60, Timeout);

        await Eventually.UntilAsync(() => ledger.Completed == 60, Deadline, "all jobs should complete", Timeout);
        Assert.True(ledger.MaxRunning <= 3, $"at most 3 handlers may run at once, saw {ledger.MaxRunning}");
        Assert.Equal(3, ledger.MaxRunning);
    }
}
