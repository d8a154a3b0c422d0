using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using DurableJobs.Tests.Infrastructure;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>Stopping a host lets running jobs finish within the shutdown timeout and releases the rest.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class ShutdownTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly JobLedger _ledger = new();

    [Fact]
    public async Task Shutdown_releases_the_lease_of_a_job_that_cannot_finish_in_time()
    {
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopping = await StartHostAsync(Settings("stopping", new JobScript(async (job, ct) =>
        {
            using var _ = _ledger.Enter(job, "stopping");
            _started.TrySetResult();
            using var fired = ct.Register(() => tokenFired.TrySetResult());
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct);
            return null;
        })) with { ShutdownTimeout = TimeSpan.FromMilliseconds(300) });
        var id = (await stopping.EnqueueAsync(stopping.Request(), Timeout)).Job.Id;
        await _started.Task.WaitAsync(Deadline, Timeout);

        await stopping.StopAsync();

        // The handler's token fired during the stop (not later, at disposal): a handler that honours it ends in the drain.
        Assert.True(tokenFired.Task.IsCompleted, "the stop returned without cancelling the running handler's token");

        var row = await stopping.RowAsync(id, Timeout);
        Assert.Equal(JobState.Queued, row.State);
        Assert.Equal(0, row.Attempt);
        Assert.Null(row.LeaseOwner);
        Assert.Null(row.LeaseExpiresAt);

        var next = await StartHostAsync(Settings("next", new JobScript((job, _) =>
        {
            using var __ = _ledger.Enter(job, "next");
            _ledger.Complete(job);
            return Task.FromResult<object?>(null);
        })));
        var done = await WaitForStateAsync(next, id, JobState.Succeeded, "another host should run the released job");
        Assert.Equal(1, done.Attempt);
    }

    [Fact]
    public async Task Shutdown_ends_within_the_shutdown_timeout_and_releases_the_lease_even_when_a_handler_ignores_its_token()
    {
        var stopping = await StartHostAsync(Settings("stopping", new JobScript(async (job, _) =>
        {
            using var __ = _ledger.Enter(job, "stopping");
            _started.TrySetResult();
            // Ignores its token: the drain cannot end this handler, only stop waiting for it.
            await new TaskCompletionSource().Task;
            return null;
        })) with
        {
            ShutdownTimeout = TimeSpan.FromSeconds(2),
            // Longer than the shutdown timeout: the drain must still fit inside the shutdown timeout.
            JobsOptions = o => o.OutcomeWriteTimeout = TimeSpan.FromSeconds(30),
        });
        var id = (await stopping.EnqueueAsync(stopping.Request(), Timeout)).Job.Id;
        await _started.Task.WaitAsync(Deadline, Timeout);

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await stopping.StopAsync();
        stopwatch.Stop();

        // A correctness bound, not a speed claim: the old drain waited shutdown timeout + outcome-write timeout (32 s).
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2) + TimeSpan.FromSeconds(3),
            $"stopping took {stopwatch.Elapsed.TotalSeconds:0.0} s with a 2 s shutdown timeout");
        var row = await stopping.RowAsync(id, Timeout);
        Assert.Equal(JobState.Queued, row.State);
        Assert.Null(row.LeaseOwner);
    }

    [Fact]
    public async Task A_handler_that_stops_itself_because_the_host_is_stopping_is_released_not_counted_as_failed()
    {
        IHostApplicationLifetime? lifetime = null;
        var stopping = await StartHostAsync(Settings("stopping", new JobScript(async (job, ct) =>
        {
            using var _ = _ledger.Enter(job, "stopping");
            _started.TrySetResult();
            // Like a long run that checkpoints and gives way on ApplicationStopping, before the drain fires its token.
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, lifetime!.ApplicationStopping);
            return null;
        })) with { ShutdownTimeout = TimeSpan.FromSeconds(20) });
        lifetime = stopping.Host.Services.GetRequiredService<IHostApplicationLifetime>();
        var id = (await stopping.EnqueueAsync(stopping.Request(), Timeout)).Job.Id;
        await _started.Task.WaitAsync(Deadline, Timeout);

        await stopping.StopAsync();

        var row = await stopping.RowAsync(id, Timeout);
        Assert.Equal(JobState.Queued, row.State);
        Assert.Equal(0, row.Attempt);
        Assert.Null(row.LeaseOwner);
    }

    [Fact]
    public async Task Shutdown_lets_a_running_job_finish_within_the_shutdown_timeout()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = await StartHostAsync(Settings("a", new JobScript(async (job, ct) =>
        {
            using var _ = _ledger.Enter(job, "a");
            _started.TrySetResult();
            // Finishes its work regardless of the stop request (the token only fires at the shutdown timeout).
            await release.Task.WaitAsync(ct);
            _ledger.Complete(job);
            return "finished";
        })) with { ShutdownTimeout = TimeSpan.FromSeconds(20) });
        var id = (await host.EnqueueAsync(host.Request(), Timeout)).Job.Id;
        await _started.Task.WaitAsync(Deadline, Timeout);

        var stop = host.StopAsync();
        Assert.False(stop.IsCompleted, "stopping should wait for the running job");
        release.SetResult();
        await stop.WaitAsync(Deadline, Timeout);

        var row = await host.RowAsync(id, Timeout);
        Assert.Equal(JobState.Succeeded, row.State);
        Assert.Equal(1, _ledger.Completions[id]);
    }

    [Fact]
    public async Task Stuck_handler_ignoring_its_timeout_is_reclaimed_and_retried()
    {
        var host = await StartHostAsync(Settings("a", new JobScript(async (job, _) =>
        {
            using var __ = _ledger.Enter(job, "a");
            if (job.Attempt == 1)
            {
                // Ignores its token: only the lease mechanism can take the job back.
                await new TaskCompletionSource().Task;
            }

            _ledger.Complete(job);
            return null;
        })) with
        {
            ShutdownTimeout = TimeSpan.FromMilliseconds(200),
            JobsOptions = o => o.OutcomeWriteTimeout = TimeSpan.FromMilliseconds(500),
        });

        var id = (await host.EnqueueAsync(host.Request(timeout: TimeSpan.FromMilliseconds(300)), Timeout)).Job.Id;

        var done = await WaitForStateAsync(host, id, JobState.Succeeded, "the stuck job should be reclaimed and run again");
        Assert.Equal(2, done.Attempt);
        Assert.Equal([1, 2], _ledger.AttemptsOf(id).Select(a => a.Attempt));
    }
}
