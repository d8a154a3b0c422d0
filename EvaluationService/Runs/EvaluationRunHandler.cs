using DurableJobs;
using EvaluationService.Data;
using EvaluationService.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvaluationService.Runs;

/// <summary>
/// Executes one evaluation run (queue <c>evaluations</c>): waits <c>queued</c> for a run slot, then runs the cases not
/// yet stored (so a restarted run resumes) with bounded parallelism under linked tokens: the job's token (cancel,
/// job timeout, shutdown), the run's own deadline and the run's cancel flag polled from the database.
/// </summary>
public sealed class EvaluationRunHandler(
    EvaluationDbContext db,
    IServiceScopeFactory scopes,
    RunSlots slots,
    CaseRunner cases,
    RunFinalizer finalizer,
    IHostApplicationLifetime lifetime,
    IOptions<EvaluationOptions> options,
    TimeProvider time,
    ILogger<EvaluationRunHandler> logger) : IJobHandler<RunJobPayload>
{
    public async Task<object?> HandleAsync(RunJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var runId = payload.RunId;
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, cancellationToken)
                  ?? throw new PermanentJobException("RUN_NOT_FOUND", $"Run {runId} does not exist.");
        if (RunStatus.IsTerminal(run.Status))
        {
            return new { run.Status };
        }

        try
        {
            return await ExecuteAsync(job, run, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && job.Attempt >= job.MaxAttempts)
        {
            await finalizer.FinishAsync(runId, RunStatus.Failed, "RUN_FAILED", ex.Message);
            throw;
        }
    }

    private async Task<object?> ExecuteAsync(JobContext job, EvaluationRun run, CancellationToken jobToken)
    {
        await using var slot = await WaitForSlotAsync(run.Id, jobToken);
        if (slot is null)
        {
            return new { Status = RunStatus.Cancelled };
        }

        var now = time.GetUtcNow();
        var claimed = await db.Runs.Where(r => r.Id == run.Id && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.StartedAt, r => r.StartedAt ?? now),
                jobToken);
        if (claimed == 0)
        {
            // why: the run ended (cancelled while queued) between the first read and the slot.
            return new { Status = "ended" };
        }

        var startedAt = await db.Runs.Where(r => r.Id == run.Id).Select(r => r.StartedAt).FirstAsync(jobToken) ?? now;
        logger.LogInformation("Run {RunId} executing in slot {Slot} (attempt {Attempt})", run.Id, slot.Index, job.Attempt);

        var suiteCases = await db.SuiteCases.AsNoTracking().Where(c => c.SuiteId == run.SuiteId).OrderBy(c => c.Ordinal).Take(run.MaxCases)
            .ToListAsync(jobToken);
        var done = (await db.CaseResults.AsNoTracking().Where(r => r.RunId == run.Id).Select(r => new { r.CaseId, r.Repetition })
                .ToListAsync(jobToken))
            .Select(r => (r.CaseId, r.Repetition)).ToHashSet();
        var pending = Enumerable.Range(0, run.Repetitions)
            .SelectMany(rep => suiteCases.Select(c => (Case: c, Repetition: rep)))
            .Where(item => !done.Contains((item.Case.Id, item.Repetition)))
            .ToList();

        // why: the run timeout counts from the first start, so a run that keeps being restarted still ends.
        var remaining = startedAt + TimeSpan.FromSeconds(run.RunTimeoutSeconds) - time.GetUtcNow();
        using var runDeadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time);
        using var cancelFlag = new CancellationTokenSource();
        // why: on shutdown a run stops at once and resumes on another instance (finished cases are stored) rather than
        // holding the shutdown for up to the host's timeout.
        using var runToken = CancellationTokenSource.CreateLinkedTokenSource(jobToken, runDeadline.Token, cancelFlag.Token,
            lifetime.ApplicationStopping);
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(runToken.Token);
        var watcher = WatchCancelFlagAsync(run.Id, cancelFlag, stopWatching.Token);

        var context = new RunContext(run.Id, run.Owner, TimeSpan.FromSeconds(run.CaseTimeoutSeconds));
        // why: a case's slot takes the next case as soon as its answer is scored; the writer stores results in batches.
        // Disposing it (an exception below) still stores what was handed over, so finished cases are kept.
        await using var results = new CaseResultWriter(scopes, options.Value.FinalizeTimeout,
            Math.Max(run.Parallelism * 2, CaseResultWriter.MaxBatch), logger);
        try
        {
            await Parallel.ForEachAsync(pending,
                new ParallelOptions { MaxDegreeOfParallelism = run.Parallelism, CancellationToken = runToken.Token },
                (item, token) => cases.RunAsync(context, item.Case, item.Repetition, results, token));
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            logger.LogInformation("Run {RunId} stopped before all cases finished", run.Id);
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watcher;
        }

        // why: every finished case is stored before the ending, whose summary counts the stored results.
        await results.CompleteAsync();
        var (status, code, message) = await DecideEndingAsync(run, cancelFlag.IsCancellationRequested, runDeadline.IsCancellationRequested,
            jobToken);
        await finalizer.FinishAsync(run.Id, status, code, message);
        return new { Status = status };
    }

    private async Task<(string Status, string? Code, string? Message)> DecideEndingAsync(EvaluationRun run, bool cancelFlag, bool deadline,
        CancellationToken jobToken)
    {
        if (cancelFlag || (jobToken.IsCancellationRequested && await IsCancelRequestedAsync(run.Id)))
        {
            return (RunStatus.Cancelled, "RUN_CANCELLED", "Cancelled on request; results of finished cases are kept.");
        }

        if (deadline)
        {
            return (RunStatus.TimedOut, "RUN_TIMEOUT", $"The run timeout of {run.RunTimeoutSeconds} s ended the run.");
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // why: shutdown, not an ending: the job is released and the run resumes where it stopped.
            logger.LogInformation("Run {RunId} interrupted by shutdown; it resumes on the next attempt", run.Id);
            throw new OperationCanceledException("The service is shutting down.", lifetime.ApplicationStopping);
        }

        if (jobToken.IsCancellationRequested)
        {
            return (RunStatus.TimedOut, "JOB_TIMEOUT", "The job's timeout ended the run.");
        }

        return (RunStatus.Succeeded, null, null);
    }

    private async Task<RunSlot?> WaitForSlotAsync(Guid runId, CancellationToken jobToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(jobToken);
        wait.CancelAfter(options.Value.SlotWait);
        var poll = options.Value.PollInterval;
        while (true)
        {
            if (await slots.TryAcquireAsync(wait.Token) is { } slot)
            {
                return slot;
            }

            if (await IsCancelRequestedAsync(runId))
            {
                await finalizer.FinishAsync(runId, RunStatus.Cancelled, "RUN_CANCELLED", "Cancelled while waiting for a run slot.");
                return null;
            }

            try
            {
                await Task.Delay(poll, time, wait.Token);
            }
            catch (OperationCanceledException) when (!jobToken.IsCancellationRequested)
            {
                await finalizer.FinishAsync(runId, RunStatus.Failed, "SLOT_WAIT_EXCEEDED",
                    $"No run slot became free within {options.Value.SlotWait.TotalSeconds:0} s.");
                return null;
            }
        }
    }

    private async Task WatchCancelFlagAsync(Guid runId, CancellationTokenSource cancelFlag, CancellationToken stop)
    {
        var poll = options.Value.PollInterval;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(poll, time, stop);
                if (await IsCancelRequestedAsync(runId))
                {
                    await cancelFlag.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Could not read the cancel flag of run {RunId}; trying again", runId);
            }
        }
    }

    private async Task<bool> IsCancelRequestedAsync(Guid runId)
    {
        using var budget = new CancellationTokenSource(options.Value.FinalizeTimeout);
        await using var scope = scopes.CreateAsyncScope();
        var fresh = scope.ServiceProvider.GetRequiredService<EvaluationDbContext>();
        return await fresh.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => r.CancelRequested).FirstOrDefaultAsync(budget.Token);
    }
}
