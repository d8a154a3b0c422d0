using DurableJobs.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>Timeouts and cancellation reach the handler's token and end the job in a bounded time.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class BudgetTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly JobLedger _ledger = new();

    private JobScript WaitsForToken(string host) => new(async (job, ct) =>
    {
        using var _ = _ledger.Enter(job, host);
        _started.TrySetResult();
        await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct);
        return null;
    });

    [Fact]
    public async Task Job_running_past_its_timeout_ends_timed_out_without_retry()
    {
        var host = await StartHostAsync(Settings("a", WaitsForToken("a")));

        var id = (await host.EnqueueAsync(host.Request(timeout: TimeSpan.FromMilliseconds(300), maxAttempts: 3), Timeout)).Job.Id;

        var job = await WaitForStateAsync(host, id, JobState.TimedOut, "the job should time out");
        Assert.Equal(JobErrorCodes.Timeout, job.ErrorCode);
        Assert.Equal(1, job.Attempt);
        Assert.Single(_ledger.AttemptsOf(id));
    }

    [Fact]
    public async Task Timed_out_job_is_retried_when_the_queue_allows_it()
    {
        var host = await StartHostAsync(Settings("a", WaitsForToken("a")) with { QueueOptions = o => o.RetryOnTimeout = true });

        var id = (await host.EnqueueAsync(host.Request(timeout: TimeSpan.FromMilliseconds(200), maxAttempts: 2), Timeout)).Job.Id;

        var job = await WaitForStateAsync(host, id, JobState.DeadLettered, "both attempts should time out");
        Assert.Equal(JobErrorCodes.Timeout, job.ErrorCode);
        Assert.Equal(2, job.Attempt);
        Assert.Equal(2, _ledger.AttemptsOf(id).Count);
    }

    [Fact]
    public async Task Cancelling_a_queued_job_removes_it_from_consideration()
    {
        var enqueuer = await StartHostAsync(Settings("api", script: null));
        var cancelled = (await enqueuer.EnqueueAsync(enqueuer.Request(), Timeout)).Job.Id;

        Assert.True(await enqueuer.CancelAsync(cancelled, Timeout));
        var job = await enqueuer.GetAsync(cancelled, Timeout);
        Assert.Equal(JobState.Cancelled, job!.State);
        Assert.Equal(JobErrorCodes.Cancelled, job.ErrorCode);
        Assert.False(await enqueuer.CancelAsync(cancelled, Timeout));

        var worker = await StartHostAsync(Settings("worker", new JobScript((job, _) =>
        {
            using var __ = _ledger.Enter(job, "worker");
            _ledger.Complete(job);
            return Task.FromResult<object?>(null);
        })));
        var later = (await enqueuer.EnqueueAsync(enqueuer.Request(), Timeout)).Job.Id;
        await WaitForStateAsync(worker, later, JobState.Succeeded, "a job enqueued after the cancelled one should run");
        Assert.Empty(_ledger.AttemptsOf(cancelled));
        Assert.Equal(JobState.Cancelled, (await worker.GetAsync(cancelled, Timeout))!.State);
    }

    [Fact]
    public async Task Cancelling_a_running_job_from_another_instance_stops_its_handler()
    {
        var worker = await StartHostAsync(Settings("worker", WaitsForToken("worker")) with
        {
            // A long heartbeat interval: the stop must come through pub/sub, not the heartbeat's flag check.
            QueueOptions = o => { o.LeaseDuration = TimeSpan.FromSeconds(30); o.HeartbeatInterval = TimeSpan.FromSeconds(15); },
        });
        var api = await StartHostAsync(Settings("api", script: null));
        var id = (await api.EnqueueAsync(api.Request(), Timeout)).Job.Id;
        await _started.Task.WaitAsync(Deadline, Timeout);

        Assert.True(await api.CancelAsync(id, Timeout));

        var job = await Eventually.UntilAsync(ct => api.GetAsync(id, ct), j => j?.State == JobState.Cancelled, TimeSpan.FromSeconds(5),
            "pub/sub should stop the handler well before the next heartbeat", Timeout);
        Assert.Equal(JobErrorCodes.Cancelled, job!.ErrorCode);
        Assert.True(job.CancelRequested);
    }

    [Fact]
    public async Task Cancel_flag_reaches_a_running_job_through_its_heartbeat_without_pubsub()
    {
        var worker = await StartHostAsync(Settings("worker", WaitsForToken("worker")));
        var id = (await worker.EnqueueAsync(worker.Request(), Timeout)).Job.Id;
        await _started.Task.WaitAsync(Deadline, Timeout);

        // Set only the flag, as a cancel whose pub/sub message was lost would leave it.
        await worker.InScopeAsync(sp => Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.ExecuteSqlAsync(
            sp.GetRequiredService<TestJobsContext>().Database, $"UPDATE jobs SET cancel_requested = true WHERE id = {id}", Timeout));

        var job = await WaitForStateAsync(worker, id, JobState.Cancelled, "the heartbeat should see the cancel flag");
        Assert.Equal(1, job.Attempt);
    }
}
