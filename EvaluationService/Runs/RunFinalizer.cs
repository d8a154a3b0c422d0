using System.Text.Json;
using DurableJobs.Events;
using EvaluationService.Data;
using EvaluationService.Options;
using EvaluationService.Outbox;
using EvaluationService.Scoring;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvaluationService.Runs;

/// <summary>
/// Ends a run: status, summary and the <c>evaluation.completed</c> event (an events job of the shared outbox,
/// <see cref="EventPublisher"/>) are written in one transaction, so the event exists if and only if the run ended.
/// </summary>
public sealed class RunFinalizer(IServiceScopeFactory scopes, IOptions<EvaluationOptions> options, TimeProvider time,
    ILogger<RunFinalizer> logger)
{
    public const string CompletedEventType = "evaluation.completed";

    /// <summary>Returns false when the run had already ended (the first ending wins).</summary>
    public async Task<bool> FinishAsync(Guid runId, string status, string? errorCode, string? errorMessage)
    {
        // why: called after the run's own token fired (cancel, timeout): a fresh, bounded budget for the bookkeeping.
        using var budget = new CancellationTokenSource(options.Value.FinalizeTimeout);
        var cancellationToken = budget.Token;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvaluationDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var run = await db.Runs.FromSql($"SELECT * FROM runs WHERE \"Id\" = {runId} FOR UPDATE").FirstOrDefaultAsync(cancellationToken);
        if (run is null || RunStatus.IsTerminal(run.Status))
        {
            return false;
        }

        var results = await db.CaseResults.AsNoTracking().Where(r => r.RunId == runId).ToListAsync(cancellationToken);
        var summary = SummaryCalculator.Compute(run.Total, results);
        var now = time.GetUtcNow();
        run.Status = status;
        run.Summary = JsonSerializer.Serialize(summary, JsonSerializerOptions.Web);
        run.FinishedAt = now;
        run.ErrorCode = errorCode;
        run.ErrorMessage = errorMessage;

        var baseUrl = (options.Value.PublicBaseUrl ?? string.Empty).TrimEnd('/');
        var payload = new EvaluationCompletedEvent(run.Id, run.SuiteId, run.SuiteName, run.Owner, status, summary,
            $"{baseUrl}/api/evaluations/{run.Id}/report", $"{baseUrl}/api/evaluations/{run.Id}/report.html", now);
        // why: the same scope's DbContext: the events job commits with the run's status, and is dispatched after the commit
        scope.ServiceProvider.GetRequiredService<EventPublisher>().Stage(CompletedEventType, payload, run.Id.ToString(), run.Owner);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Run {RunId} ended {Status}: {Finished}/{Total} cases, pass rate {PassRate}", run.Id, status,
            summary.Finished, summary.Total, summary.PassRate);
        return true;
    }
}
