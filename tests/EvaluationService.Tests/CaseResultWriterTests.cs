using EvaluationService.Data;
using EvaluationService.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Testing;

namespace EvaluationService.Tests;

/// <summary>
/// <see cref="CaseResultWriter"/> on real PostgreSQL: results handed over while a write is in flight go in one write,
/// a row already stored keeps the first result without losing the rest of its batch, and a failed write reaches the run.
/// </summary>
[Collection("dependencies")]
public sealed class CaseResultWriterTests(DependenciesFixture dependencies)
{
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Results_handed_over_while_a_write_waits_are_stored_together_in_one_write()
    {
        var environment = await EvaluationApp.CreateEnvironmentAsync(dependencies);
        await using var app = EvaluationApp.Start(environment, new Uri("http://127.0.0.1:9"));
        var run = await AddRunAsync(app);

        // why: a lock on the table holds the first write, so the next 30 results wait for the writer together
        await using var blocker = new NpgsqlConnection(environment.Database);
        await blocker.OpenAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE case_results IN EXCLUSIVE MODE", blocker, transaction))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        await using var writer = new CaseResultWriter(app.Services.GetRequiredService<IServiceScopeFactory>(), WriteTimeout, 64,
            NullLogger.Instance);
        for (var i = 0; i < 31; i++)
        {
            await writer.AddAsync(Result(run.Id, Guid.CreateVersion7(), $"answer {i}"), CancellationToken.None);
        }

        await transaction.RollbackAsync();
        await writer.CompleteAsync();

        Assert.Equal(31, (await app.ResultsAsync(run.Id)).Count);
        // one write per result before the writer (31); at most the held first write and one for the rest now
        Assert.InRange(writer.Writes, 1, 2);
    }

    [Fact]
    public async Task A_case_already_stored_keeps_its_first_result_and_the_rest_of_the_batch_is_stored()
    {
        var environment = await EvaluationApp.CreateEnvironmentAsync(dependencies);
        await using var app = EvaluationApp.Start(environment, new Uri("http://127.0.0.1:9"));
        var run = await AddRunAsync(app);
        var storedCase = Guid.CreateVersion7();
        await app.WithDbAsync(db =>
        {
            db.CaseResults.Add(Result(run.Id, storedCase, "first"));
            return db.SaveChangesAsync();
        });

        await using var writer = new CaseResultWriter(app.Services.GetRequiredService<IServiceScopeFactory>(), WriteTimeout, 64,
            NullLogger.Instance);
        var others = Enumerable.Range(0, 5).Select(_ => Guid.CreateVersion7()).ToList();
        await writer.AddAsync(Result(run.Id, storedCase, "second"), CancellationToken.None);
        foreach (var caseId in others)
        {
            await writer.AddAsync(Result(run.Id, caseId, "other"), CancellationToken.None);
        }

        await writer.CompleteAsync();

        var results = await app.ResultsAsync(run.Id);
        Assert.Equal(6, results.Count);
        Assert.Equal("first", Assert.Single(results, r => r.CaseId == storedCase).Answer);
        Assert.All(others, caseId => Assert.Equal("other", Assert.Single(results, r => r.CaseId == caseId).Answer));
    }

    [Fact]
    public async Task A_failed_write_fails_the_completion_and_every_later_hand_over()
    {
        var environment = await EvaluationApp.CreateEnvironmentAsync(dependencies);
        await using var app = EvaluationApp.Start(environment, new Uri("http://127.0.0.1:9"));
        await using var writer = new CaseResultWriter(app.Services.GetRequiredService<IServiceScopeFactory>(), WriteTimeout, 64,
            NullLogger.Instance);

        // a run that does not exist: the foreign key refuses the row
        await writer.AddAsync(Result(Guid.CreateVersion7(), Guid.CreateVersion7(), "orphan"), CancellationToken.None);

        await Assert.ThrowsAsync<DbUpdateException>(writer.CompleteAsync);
        await Assert.ThrowsAnyAsync<InvalidOperationException>(
            async () => await writer.AddAsync(Result(Guid.CreateVersion7(), Guid.CreateVersion7(), "late"), CancellationToken.None));
    }

    private static async Task<EvaluationRun> AddRunAsync(EvaluationApp app)
    {
        var run = new EvaluationRun
        {
            Id = Guid.CreateVersion7(),
            Owner = "alice",
            SuiteId = Guid.CreateVersion7(),
            SuiteName = "s",
            Status = RunStatus.Running,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await app.WithDbAsync(db =>
        {
            db.Runs.Add(run);
            return db.SaveChangesAsync();
        });
        return run;
    }

    private static CaseResult Result(Guid runId, Guid caseId, string answer) => new()
    {
        Id = Guid.CreateVersion7(),
        RunId = runId,
        CaseId = caseId,
        Outcome = CaseOutcome.Passed,
        Answer = answer,
        FinishedAt = DateTimeOffset.UtcNow,
    };
}
