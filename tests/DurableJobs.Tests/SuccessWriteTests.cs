using DurableJobs.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>
/// A success is written by the worker's group commit, and the executor that ran it does not wait for that write: it runs
/// the next job while the success is still being stored. An executor that waited ran one job per commit round trip.
/// </summary>
[Collection(DependenciesCollection.Name)]
public sealed class SuccessWriteTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    [Fact]
    public async Task The_only_executor_runs_the_next_job_while_the_previous_success_waits_for_its_write()
    {
        var finishFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = await StartHostAsync(Settings("a", new JobScript(async (job, ct) =>
        {
            if (job.GetPayload<Dictionary<string, int>>()["n"] == 1)
            {
                await finishFirst.Task.WaitAsync(ct);
            }
            else
            {
                secondStarted.TrySetResult();
            }

            return null;
        })) with
        {
            // One executor and one slot beyond it: the settling success holds its own slot, the second job takes the other.
            QueueOptions = q =>
            {
                q.Concurrency = 1;
                q.BufferSize = 1;
            },
            // An executor that waits for the write is freed only when the write's bound runs out (it then gives the job up to
            // the sweeper): far beyond the wait for the second job below, so only an executor that does not wait passes.
            JobsOptions = o => o.OutcomeWriteTimeout = TimeSpan.FromMinutes(2),
        });

        var first = await host.EnqueueAsync(host.Request(new { n = 1 }), Timeout);
        await WaitForStateAsync(host, first.Job.Id, JobState.Running, "the first job should start");

        // Another session holds the first job's row: its success write (and any lease renewal of it) waits for this lock.
        string table;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            table = Storage.JobStore.QualifiedTableName(scope.ServiceProvider.GetRequiredService<TestJobsContext>());
        }

        var connectionString = Dependencies.Postgres.ConnectionStringFor(Database);
        await using var holder = new NpgsqlConnection(connectionString);
        await holder.OpenAsync(Timeout);
        await using var held = await holder.BeginTransactionAsync(Timeout);
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM {table} WHERE id = @id FOR UPDATE", holder))
        {
            lockRow.Parameters.AddWithValue("id", first.Job.Id);
            await lockRow.ExecuteNonQueryAsync(Timeout);
        }

        finishFirst.TrySetResult();
        var second = await host.EnqueueAsync(host.Request(new { n = 2 }), Timeout);

        // The one executor is free although the first success is not stored: the second job runs meanwhile.
        await secondStarted.Task.WaitAsync(Deadline, Timeout);
        Assert.Equal(JobState.Running, (await host.GetAsync(first.Job.Id, Timeout))!.State);

        await held.RollbackAsync(Timeout);
        await WaitForStateAsync(host, first.Job.Id, JobState.Succeeded, "the first success should be stored once the row is free");
        await WaitForStateAsync(host, second.Job.Id, JobState.Succeeded, "the second job should succeed");
    }
}
