using System.Text.Json;
using DurableJobs.Tests.Infrastructure;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

[Collection(DependenciesCollection.Name)]
public sealed class LifecycleTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    [Fact]
    public async Task Enqueued_job_runs_once_and_stores_its_result()
    {
        var ledger = new JobLedger();
        var host = await StartHostAsync(Settings("a", new JobScript(async (job, ct) =>
        {
            using var _ = ledger.Enter(job, "a");
            await Task.Yield();
            ledger.Complete(job);
            return new { echoed = job.GetPayload<Dictionary<string, int>>()["n"], job.Attempt, job.IdempotencyKey };
        })));

        var enqueued = await host.EnqueueAsync(host.Request(new { n = 42 }), Timeout);

        Assert.True(enqueued.Created);
        Assert.Equal(JobState.Queued, enqueued.Job.State);
        var done = await WaitForStateAsync(host, enqueued.Job.Id, JobState.Succeeded, "the job should succeed");
        Assert.Equal(42, done.Result!.Value.GetProperty("echoed").GetInt32());
        Assert.Equal(1, done.Result!.Value.GetProperty("attempt").GetInt32());
        Assert.Equal(enqueued.Job.Id.ToString(), done.Result!.Value.GetProperty("idempotencyKey").GetString());
        Assert.Equal(1, done.Attempt);
        Assert.NotNull(done.StartedAt);
        Assert.NotNull(done.FinishedAt);
        Assert.Equal(1, ledger.Completions[enqueued.Job.Id]);
        var row = await host.RowAsync(enqueued.Job.Id, Timeout);
        Assert.Null(row.LeaseOwner);
        Assert.Equal("tester", row.Owner);
    }

    [Fact]
    public async Task Repeated_idempotency_key_returns_the_existing_job()
    {
        var host = await StartHostAsync(Settings("a", script: null));

        var first = await host.EnqueueAsync(host.Request(new { n = 1 }, idempotencyKey: "order-7"), Timeout);
        var second = await host.EnqueueAsync(host.Request(new { n = 2 }, idempotencyKey: "order-7"), Timeout);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Job.Id, second.Job.Id);
        Assert.Equal(1, JsonSerializer.Deserialize<Dictionary<string, int>>(second.Job.Payload.GetRawText())!["n"]);
        Assert.Single(await host.RowsAsync(Timeout));
    }
}
