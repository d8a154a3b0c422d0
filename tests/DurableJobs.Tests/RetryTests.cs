using DurableJobs.Admin;
using ServiceDefaults.Paging;
using DurableJobs.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>Failed attempts are retried with backoff; a poison job ends in the DLQ and can be replayed.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class RetryTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    [Fact]
    public async Task Job_failing_twice_succeeds_on_its_third_attempt()
    {
        var ledger = new JobLedger();
        var host = await StartHostAsync(Settings("a", new JobScript((job, _) =>
        {
            using var __ = ledger.Enter(job, "a");
            if (job.Attempt < 3)
            {
                throw new InvalidOperationException($"transient failure {job.Attempt}");
            }

            ledger.Complete(job);
            return Task.FromResult<object?>("ok");
        })));

        var id = (await host.EnqueueAsync(host.Request(maxAttempts: 5), Timeout)).Job.Id;

        var job = await WaitForStateAsync(host, id, JobState.Succeeded, "the third attempt should succeed");
        Assert.Equal(3, job.Attempt);
        Assert.Equal([1, 2, 3], ledger.AttemptsOf(id).Select(a => a.Attempt));
        Assert.Null(job.ErrorCode);
    }

    [Fact]
    public async Task Deferred_job_runs_again_later_without_counting_an_attempt()
    {
        var ledger = new JobLedger();
        var runs = 0;
        var host = await StartHostAsync(Settings("a", new JobScript((job, _) =>
        {
            using var __ = ledger.Enter(job, "a");
            if (Interlocked.Increment(ref runs) < 3)
            {
                // why: the resource the job needs is busy; run later without holding a worker or spending an attempt.
                throw new JobDeferredException(TimeSpan.FromMilliseconds(100), "busy");
            }

            ledger.Complete(job);
            return Task.FromResult<object?>("ok");
        })));

        var id = (await host.EnqueueAsync(host.Request(maxAttempts: 1), Timeout)).Job.Id;

        var job = await WaitForStateAsync(host, id, JobState.Succeeded, "the job should run again after its deferrals");
        Assert.Equal(1, job.Attempt);
        Assert.Equal([1, 1, 1], ledger.AttemptsOf(id).Select(a => a.Attempt));
    }

    [Fact]
    public async Task Permanent_error_fails_the_job_without_retry()
    {
        var ledger = new JobLedger();
        var host = await StartHostAsync(Settings("a", new JobScript((job, _) =>
        {
            using var __ = ledger.Enter(job, "a");
            throw new PermanentJobException("BAD_INPUT", "the document is not a PDF");
        })));

        var id = (await host.EnqueueAsync(host.Request(maxAttempts: 5), Timeout)).Job.Id;

        var job = await WaitForStateAsync(host, id, JobState.Failed, "a permanent error should fail the job");
        Assert.Equal("BAD_INPUT", job.ErrorCode);
        Assert.Equal("the document is not a PDF", job.ErrorMessage);
        Assert.Single(ledger.AttemptsOf(id));
    }

    [Fact]
    public async Task Poison_job_is_dead_lettered_without_blocking_others_and_succeeds_after_replay()
    {
        var ledger = new JobLedger();
        var healed = false;
        var host = await StartHostAsync(Settings("a", new JobScript((job, _) =>
        {
            using var __ = ledger.Enter(job, "a");
            if (job.GetPayload<Dictionary<string, bool>>()["poison"] && !Volatile.Read(ref healed))
            {
                throw new InvalidOperationException("poison");
            }

            ledger.Complete(job);
            return Task.FromResult<object?>(null);
        })) with { QueueOptions = o => o.Concurrency = 1 });

        var poison = (await host.EnqueueAsync(host.Request(new { poison = true }, maxAttempts: 3), Timeout)).Job.Id;
        var healthy = (await host.EnqueueAsync(host.Request(new { poison = false }), Timeout)).Job.Id;

        await WaitForStateAsync(host, healthy, JobState.Succeeded, "a healthy job should not wait behind the poison job");
        var dead = await WaitForStateAsync(host, poison, JobState.DeadLettered, "the poison job should be dead-lettered");
        Assert.Equal(3, dead.Attempt);
        Assert.Equal(3, ledger.AttemptsOf(poison).Count);
        // The dead-letter stream entry follows the row's state (written after the commit): wait for it, do not race it.
        await Eventually.UntilAsync(
            async () => (await host.Redis.StreamRangeAsync($"jobs:{Queue}:dlq")).Any(e => (string?)e["id"] == poison.ToString()),
            TimeSpan.FromSeconds(15), "the poison job should be in the dead-letter stream", Timeout);

        var page = await host.InScopeAsync(async sp =>
            await DurableJobsAdminEndpoints.ListDeadLettersAsync(Queue, 10, null, Admin(sp), Timeout));
        Assert.Equal([poison], Assert.IsType<Ok<Page<JobSnapshot>>>(page.Result).Value!.Items.Select(j => j.Id));

        Volatile.Write(ref healed, true);
        var replay = await host.InScopeAsync(async sp =>
            await DurableJobsAdminEndpoints.ReplayDeadLettersAsync(Queue, new ReplayRequest([poison], null), Admin(sp), Timeout));
        Assert.Equal(1, Assert.IsType<Ok<ReplayResult>>(replay.Result).Value!.Replayed);

        var replayed = await WaitForStateAsync(host, poison, JobState.Succeeded, "the replayed job should succeed");
        Assert.Equal(1, replayed.Attempt);
        Assert.Equal(1, ledger.Completions[poison]);
    }

    private static AdminServices Admin(IServiceProvider services) => ActivatorUtilities.CreateInstance<AdminServices>(services);
}
