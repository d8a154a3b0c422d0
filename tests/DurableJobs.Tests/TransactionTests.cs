using DurableJobs.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>Accept = persist: a job is dispatched only once its row is committed, together with the caller's rows.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class TransactionTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    private readonly JobLedger _ledger = new();

    private JobScript Completes => new((job, _) =>
    {
        using var __ = _ledger.Enter(job, "a");
        _ledger.Complete(job);
        return Task.FromResult<object?>(null);
    });

    private string Stream => $"jobs:{Queue}";

    [Fact]
    public async Task Job_enqueued_in_a_transaction_is_dispatched_only_after_commit()
    {
        var host = await StartHostAsync(Settings("a", Completes));
        await using var scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestJobsContext>();
        var scheduler = scope.ServiceProvider.GetRequiredService<IJobScheduler>();

        Guid id;
        await using (var transaction = await context.Database.BeginTransactionAsync(Timeout))
        {
            id = (await scheduler.EnqueueAsync(host.Request(), Timeout)).Job.Id;
            context.Notes.Add(new Note { Id = Guid.NewGuid(), Text = "written with the job" });
            await context.SaveChangesAsync(Timeout);
            Assert.Equal(0, await host.Redis.StreamLengthAsync(Stream));
            Assert.Null(await host.GetAsync(id, Timeout));

            await transaction.CommitAsync(Timeout);
        }

        Assert.Equal(1, await host.Redis.StreamLengthAsync(Stream));
        await WaitForStateAsync(host, id, JobState.Succeeded, "the committed job should run");
        Assert.Equal(1, await context.Notes.CountAsync(Timeout));
    }

    [Fact]
    public async Task Job_enqueued_in_a_rolled_back_transaction_is_neither_stored_nor_dispatched()
    {
        var host = await StartHostAsync(Settings("a", Completes));
        Guid id;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<TestJobsContext>();
            await using var transaction = await context.Database.BeginTransactionAsync(Timeout);
            id = (await scope.ServiceProvider.GetRequiredService<IJobScheduler>().EnqueueAsync(host.Request(), Timeout)).Job.Id;
            await transaction.RollbackAsync(Timeout);
        }

        var later = (await host.EnqueueAsync(host.Request(), Timeout)).Job.Id;
        await WaitForStateAsync(host, later, JobState.Succeeded, "a job enqueued afterwards should run");
        Assert.Null(await host.GetAsync(id, Timeout));
        Assert.Equal(1, await host.Redis.StreamLengthAsync(Stream));
        Assert.Empty(_ledger.AttemptsOf(id));
    }

    [Fact]
    public async Task Staged_jobs_are_saved_with_the_callers_rows_and_dispatched_after_SaveChanges()
    {
        var host = await StartHostAsync(Settings("a", Completes));
        List<Guid> ids;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<TestJobsContext>();
            var scheduler = scope.ServiceProvider.GetRequiredService<IJobScheduler>();
            ids = [.. Enumerable.Range(0, 3).Select(i => scheduler.Stage(host.Request(new { i })).Id)];
            context.Notes.Add(new Note { Id = Guid.NewGuid(), Text = "intake" });
            Assert.Equal(0, await host.Redis.StreamLengthAsync(Stream));

            await context.SaveChangesAsync(Timeout);
        }

        foreach (var id in ids)
        {
            await WaitForStateAsync(host, id, JobState.Succeeded, "each staged job should run");
        }

        Assert.Equal(3, await host.Redis.StreamLengthAsync(Stream));
        Assert.All(ids, id => Assert.Equal(1, _ledger.Completions[id]));
    }

    [Fact]
    public async Task Jobs_staged_as_a_batch_command_run_after_the_callers_commit_and_vanish_with_its_rollback()
    {
        var host = await StartHostAsync(Settings("a", Completes));
        List<Guid> committed, rolledBack, abandoned;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<TestJobsContext>();
            var scheduler = scope.ServiceProvider.GetRequiredService<IJobScheduler>();
            Assert.Throws<InvalidOperationException>(() => scheduler.StageCommand([host.Request()]));

            rolledBack = await StageInBatchAsync(context, scheduler, host, commit: false);
            // Disposed without commit or rollback: the next transaction on this context must not dispatch these.
            abandoned = await StageInBatchAsync(context, scheduler, host, commit: null);
            committed = await StageInBatchAsync(context, scheduler, host, commit: true);
        }

        foreach (var id in committed)
        {
            await WaitForStateAsync(host, id, JobState.Succeeded, "each job of the committed batch should run");
        }

        foreach (var id in rolledBack.Concat(abandoned))
        {
            Assert.Null(await host.GetAsync(id, Timeout));
        }

        Assert.Equal(2, await host.Redis.StreamLengthAsync(Stream));
        Assert.All(committed, id => Assert.Equal(1, _ledger.Completions[id]));
    }

    /// <summary>Two jobs and a note written by one Npgsql batch in a DbContext transaction, then committed, rolled back or left
    /// (null).</summary>
    private async Task<List<Guid>> StageInBatchAsync(TestJobsContext context, IJobScheduler scheduler, JobsTestHost host, bool? commit)
    {
        await using var transaction = await context.Database.BeginTransactionAsync(Timeout);
        var (command, ids) = scheduler.StageCommand([host.Request(new { n = 1 }), host.Request(new { n = 2 })]);
        await using var batch = new NpgsqlBatch((NpgsqlConnection)context.Database.GetDbConnection(),
            (NpgsqlTransaction)transaction.GetDbTransaction());
        batch.BatchCommands.Add(command);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT 1"));
        await batch.ExecuteNonQueryAsync(Timeout);
        Assert.Equal(0, await host.Redis.StreamLengthAsync(Stream));
        if (commit == true)
        {
            await transaction.CommitAsync(Timeout);
        }
        else if (commit == false)
        {
            await transaction.RollbackAsync(Timeout);
        }

        return [.. ids];
    }
}
