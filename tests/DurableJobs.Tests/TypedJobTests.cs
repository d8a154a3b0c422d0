using System.Text.Json;
using DurableJobs.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>Typed jobs: the queue is tied to the job type once (AddQueue&lt;TJob, THandler&gt;) and the handler gets its type.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class TypedJobTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    private static JobScript Completes => new((_, _) => Task.FromResult<object?>(new { done = true }));

    private Task<JobsTestHost> TypedHostAsync() => StartHostAsync(Settings("typed", Completes) with { Typed = true });

    [Fact]
    public async Task Typed_job_is_enqueued_on_its_types_queue_and_reaches_its_handler_as_that_type()
    {
        var host = await TypedHostAsync();
        var job = new NoteJob(Guid.NewGuid(), "hello");
        var id = (await host.InScopeAsync(sp => sp.GetRequiredService<IJobScheduler>()
            .EnqueueAsync(job, new EnqueueOptions(Owner: "tester", IdempotencyKey: "note-1"), Timeout))).Job.Id;

        await WaitForStateAsync(host, id, JobState.Succeeded, "the typed job should run");
        Assert.Equal(job, host.Services.GetRequiredService<TypedJobsSeen>().Get(id));
        var row = await host.RowAsync(id, Timeout);
        Assert.Equal(Queue, row.Queue);
        Assert.Equal("tester", row.Owner);
        Assert.Equal("note-1", row.IdempotencyKey);
        // why: payloads stay jsonb in web (camelCase) form, as the services wrote them before the typed surface.
        Assert.Equal(job.NoteId, JsonDocument.Parse(row.Payload).RootElement.GetProperty("noteId").GetGuid());
    }

    [Fact]
    public async Task Typed_StageCommand_stores_many_jobs_with_one_batch_command()
    {
        var host = await TypedHostAsync();
        var jobs = new[] { new NoteJob(Guid.NewGuid(), "a"), new NoteJob(Guid.NewGuid(), "b") };
        IReadOnlyList<Guid> ids;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<TestJobsContext>();
            var scheduler = scope.ServiceProvider.GetRequiredService<IJobScheduler>();
            await using var transaction = await context.Database.BeginTransactionAsync(Timeout);
            var (command, staged) = scheduler.StageCommand([.. jobs.Select(j => (j, EnqueueOptions.Default))]);
            var connection = (Npgsql.NpgsqlConnection)context.Database.GetDbConnection();
            await using var batch = new Npgsql.NpgsqlBatch(connection, (Npgsql.NpgsqlTransaction)transaction.GetDbTransaction());
            batch.BatchCommands.Add(command);
            await batch.ExecuteNonQueryAsync(Timeout);
            await transaction.CommitAsync(Timeout);
            ids = staged;
        }

        Assert.Equal(2, ids.Count);
        var seen = host.Services.GetRequiredService<TypedJobsSeen>();
        for (var i = 0; i < ids.Count; i++)
        {
            await WaitForStateAsync(host, ids[i], JobState.Succeeded, "each staged typed job should run");
            Assert.Equal(jobs[i], seen.Get(ids[i]));
        }
    }

    [Fact]
    public async Task Job_type_without_a_queue_is_refused_before_anything_is_stored()
    {
        var host = await TypedHostAsync();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.InScopeAsync(sp =>
            sp.GetRequiredService<IJobScheduler>().EnqueueAsync(new Note { Id = Guid.NewGuid() }, EnqueueOptions.Default, Timeout)));
        Assert.Contains(nameof(Note), error.Message, StringComparison.Ordinal);
        Assert.Empty(await host.RowsAsync(Timeout));
    }

    [Fact]
    public async Task Payload_that_is_not_the_job_type_fails_without_retry()
    {
        var host = await TypedHostAsync();
        var id = (await host.EnqueueAsync(host.Request(new[] { 1, 2 }, maxAttempts: 5), Timeout)).Job.Id;

        var job = await WaitForStateAsync(host, id, JobState.Failed, "an unreadable payload is permanent");
        Assert.Equal("INVALID_PAYLOAD", job.ErrorCode);
        Assert.Equal(1, (await host.RowAsync(id, Timeout)).Attempt);
    }

    [Fact]
    public async Task AcceptOnce_stores_entity_and_job_together_and_answers_a_repeat_with_the_stored_entity()
    {
        var host = await TypedHostAsync();
        var noteId = Guid.NewGuid();

        async Task<AcceptOnceResult<Note>> AcceptAsync(string text) => await host.InScopeAsync(async sp =>
        {
            var context = sp.GetRequiredService<TestJobsContext>();
            var scheduler = sp.GetRequiredService<IJobScheduler>();
            return await context.AcceptOnceAsync(new Note { Id = noteId, Text = text },
                note => scheduler.Stage(new NoteJob(note.Id, note.Text), new EnqueueOptions(Owner: "tester")),
                ct => context.Notes.AsNoTracking().FirstOrDefaultAsync(n => n.Id == noteId, ct), Timeout);
        });

        var first = await AcceptAsync("first");
        var second = await AcceptAsync("second");

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal("first", second.Entity.Text);
        var rows = await host.RowsAsync(Timeout);
        var row = Assert.Single(rows);
        await WaitForStateAsync(host, row.Id, JobState.Succeeded, "the accepted job should run");
        Assert.Equal(1, await host.Redis.StreamLengthAsync($"jobs:{Queue}"));
    }

    [Fact]
    public async Task AcceptOnce_with_a_refused_job_stores_nothing()
    {
        var host = await StartHostAsync(Settings("typed", Completes) with { Typed = true, QueueOptions = o => o.MaxPayloadBytes = 64 });
        var tracked = await host.InScopeAsync(async sp =>
        {
            var context = sp.GetRequiredService<TestJobsContext>();
            var scheduler = sp.GetRequiredService<IJobScheduler>();
            var note = new Note { Id = Guid.NewGuid(), Text = new string('x', 200) };
            await Assert.ThrowsAsync<JobValidationException>(() =>
                context.AcceptOnceAsync(note, n => scheduler.Stage(new NoteJob(n.Id, n.Text), EnqueueOptions.Default), null, Timeout));
            return context.ChangeTracker.Entries().Count();
        });

        Assert.Equal(0, tracked);

        Assert.Empty(await host.RowsAsync(Timeout));
        Assert.Equal(0, await host.InScopeAsync(sp => sp.GetRequiredService<TestJobsContext>().Notes.CountAsync(Timeout)));
    }
}
