using DurableJobs.Retention;
using EvaluationService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Testing;

namespace EvaluationService.Tests;

/// <summary>Retention families evaluation-results, and evaluation-runs with real PostgreSQL.</summary>
[Collection("dependencies")]
public sealed class RetentionTests(DependenciesFixture dependencies)
{
    [Fact]
    public async Task Old_finished_runs_go_with_their_results_in_batches_newer_and_unfinished_stay()
    {
        var environment = await EvaluationApp.CreateEnvironmentAsync(dependencies);
        await using var app = EvaluationApp.Start(environment, new Uri("http://127.0.0.1:9"));
        var now = DateTimeOffset.UtcNow;
        var oldRun = Run(now.AddDays(-100), now.AddDays(-91));
        var newRun = Run(now.AddDays(-10), now.AddDays(-9));
        var unfinished = Run(now.AddDays(-100), null);
        await app.WithDbAsync(async db =>
        {
            db.Runs.AddRange(oldRun, newRun, unfinished);
            foreach (var run in new[] { oldRun, newRun, unfinished })
            {
                for (var i = 0; i < 3; i++)
                {
                    db.CaseResults.Add(new CaseResult
                    {
                        Id = Guid.CreateVersion7(), RunId = run.Id, CaseId = Guid.CreateVersion7(), Outcome = "passed",
                            FinishedAt = now.AddDays(-95),
                    });
                }
            }

            return await db.SaveChangesAsync();
        });

        var pruner = app.Services.GetRequiredService<RetentionPruner<EvaluationDbContext>>();
        app.Services.GetRequiredService<IOptionsMonitor<RetentionOptions>>().CurrentValue.BatchSize = 2;
        var round = await pruner.RunOnceAsync(CancellationToken.None);

        Assert.Equal((3L, 2), round["evaluation-results"]);
        Assert.Equal((1L, 1), round["evaluation-runs"]);
        var runs = await app.WithDbAsync(db => db.Runs.AsNoTracking().Select(r => r.Id).ToListAsync());
        Assert.Equal(new[] { newRun.Id, unfinished.Id }.Order(), runs.Order());
        Assert.Empty(await app.ResultsAsync(oldRun.Id));
        Assert.Equal(3, (await app.ResultsAsync(newRun.Id)).Count);
        Assert.Equal(3, (await app.ResultsAsync(unfinished.Id)).Count);
    }

    private static EvaluationRun Run(DateTimeOffset created, DateTimeOffset? finished) => new()
    {
        Id = Guid.CreateVersion7(),
        Owner = "alice",
        SuiteId = Guid.CreateVersion7(),
        SuiteName = "s",
        Status = finished is null ? RunStatus.Running : RunStatus.Succeeded,
        CreatedAt = created,
        FinishedAt = finished,
    };
}
