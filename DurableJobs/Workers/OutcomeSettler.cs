using DurableJobs.Dispatch;
using DurableJobs.Monitoring;
using DurableJobs.Storage;
using Microsoft.Extensions.DependencyInjection;
using static DurableJobs.Workers.QueueWorkerLog;

namespace DurableJobs.Workers;

/// <summary>
/// Settling, for one queue's worker: writes what an attempt came to, each write fenced by lease owner and attempt (a
/// worker that lost the lease writes nothing). Successes go through the <see cref="SuccessBatcher"/> (group commit);
/// an error (and a timeout with <see cref="QueueOptions.RetryOnTimeout"/>) is retried with backoff (<see cref="RetryBackoff"/>)
/// until the job's attempts are used up, then the job is dead-lettered (and put on <c>jobs:&lt;queue&gt;:dlq</c>); a
/// permanent failure, a cancel and any other timeout end the job; at shutdown leases are released (queued again at once,
/// the attempt not counted, re-dispatched). Each write retries briefly on a transient database error and is bounded by
/// <see cref="DurableJobsOptions.OutcomeWriteTimeout"/>.
/// </summary>
internal sealed class OutcomeSettler(
    WorkerContext worker,
    SuccessBatcher successes,
    JobDispatcher dispatcher,
    JobTelemetry telemetry,
    IServiceScopeFactory scopes)
{
    /// <summary>Writes the attempt's outcome (fenced by lease owner and attempt) and returns the outcome tag.</summary>
    public async Task<string> SettleAsync(HeldJob held, AttemptResult result)
    {
        var job = held.Job;
        if (worker.Crashed)
        {
            return JobOutcomeNames.LeaseLost;
        }

        var (logger, queue) = (worker.Logger, worker.Queue);
        using var bound = new CancellationTokenSource(worker.Options.OutcomeWriteTimeout, worker.Time);
        var token = bound.Token;
        switch (result.Outcome)
        {
            case AttemptResult.Kind.Succeeded:
                await SucceedAsync(held, result, token).ConfigureAwait(false);
                return JobOutcomeNames.Succeeded;
            case AttemptResult.Kind.PermanentFailure:
                LogPermanentFailure(logger, job.Id, queue, job.Attempt, result.ErrorCode, result.Exception);
                await FinishAsync(held, JobState.Failed, result, token).ConfigureAwait(false);
                return JobOutcomeNames.Failed;
            case AttemptResult.Kind.Cancelled:
                LogCancelled(logger, job.Id, queue);
                await FinishAsync(held, JobState.Cancelled, result, token).ConfigureAwait(false);
                return JobOutcomeNames.Cancelled;
            case AttemptResult.Kind.TimedOut when !worker.QueueOptions.RetryOnTimeout:
                LogTimedOut(logger, job.Id, queue, job.Attempt, job.Timeout);
                await FinishAsync(held, JobState.TimedOut, result, token).ConfigureAwait(false);
                return JobOutcomeNames.TimedOut;
            case AttemptResult.Kind.TimedOut:
                LogTimedOut(logger, job.Id, queue, job.Attempt, job.Timeout);
                telemetry.TimedOutAndRetried(queue);
                return await RetryOrDeadLetterAsync(held, result, token).ConfigureAwait(false);
            case AttemptResult.Kind.Error:
                return await RetryOrDeadLetterAsync(held, result, token).ConfigureAwait(false);
            case AttemptResult.Kind.Shutdown:
                await ReleaseAsync([held], token).ConfigureAwait(false);
                return JobOutcomeNames.Released;
            case AttemptResult.Kind.Deferred:
                LogDeferred(logger, job.Id, queue, result.Delay, result.ErrorMessage);
                var deferred = await WithRetriesAsync(store => store.DeferAsync(job.Id, job.Attempt, worker.WorkerId, result.Delay, token),
                    token)
                    .ConfigureAwait(false);
                if (!deferred)
                {
                    LogLeaseLost(logger, job.Id, queue, job.Attempt);
                }
                else
                {
                    _ = DispatchLaterAsync(job.Id, result.Delay);
                }

                return JobOutcomeNames.Deferred;
            default:
                LogLeaseLost(logger, job.Id, queue, job.Attempt);
                return JobOutcomeNames.LeaseLost;
        }
    }

    /// <summary>
    /// Gives leases back on shutdown: the jobs are queued again at once, the attempt not counted, and dispatched. Bounded
    /// by <see cref="DurableJobsOptions.OutcomeWriteTimeout"/>; when it fails the leases lapse and the sweeper reclaims the jobs.
    /// </summary>
    public async Task ReleaseAsync(IReadOnlyCollection<HeldJob> jobs, CancellationToken cancellationToken)
    {
        if (jobs.Count == 0 || worker.Crashed)
        {
            return;
        }

        using var bound = new CancellationTokenSource(worker.Options.OutcomeWriteTimeout, worker.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
        try
        {
            var released = await WithRetriesAsync(store =>
                    store.ReleaseAsync([.. jobs.Select(j => (j.Id, j.Attempt))], worker.WorkerId, linked.Token),
                linked.Token).ConfigureAwait(false);
            LogReleased(worker.Logger, released.Count, worker.Queue);
            telemetry.Released(worker.Queue, released.Count);
            await dispatcher.DispatchAsync([.. released.Select(id => new DispatchItem(id, worker.Queue))], linked.Token)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || linked.IsCancellationRequested)
        {
            // The leases will lapse instead and the sweeper reclaims the jobs; later, but nothing is lost.
            LogReleaseFailed(worker.Logger, jobs.Count, worker.Queue, ex);
        }
    }

    /// <summary>
    /// Dispatches a deferred job once it is due (a little after, so the database clock agrees), so it does not wait for the
    /// sweeper. Best effort: if the worker stops first or Redis fails, the sweeper dispatches it after RedispatchAfter.
    /// </summary>
    private async Task DispatchLaterAsync(Guid id, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay + TimeSpan.FromMilliseconds(20), worker.Time, worker.StopClaimingToken).ConfigureAwait(false);
            await dispatcher.DispatchAsync([new DispatchItem(id, worker.Queue)], worker.StopClaimingToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The row says dispatched at its due time; the sweeper dispatches it again if this one never happened.
        }
    }

    private async Task<string> RetryOrDeadLetterAsync(HeldJob held, AttemptResult result, CancellationToken cancellationToken)
    {
        var job = held.Job;
        if (job.Attempt < job.MaxAttempts)
        {
            var delay = RetryBackoff.Delay(worker.QueueOptions, job.Attempt, Random.Shared.NextDouble());
            LogRetrying(worker.Logger, job.Id, worker.Queue, job.Attempt, job.MaxAttempts, delay, result.Exception);
            var errorCode = result.ErrorCode ?? JobErrorCodes.HandlerError;
            var state = await WithRetriesAsync(store =>
                store.RetryAsync(job.Id, job.Attempt, worker.WorkerId, delay, errorCode, result.ErrorMessage, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            if (state is null)
            {
                LogLeaseLost(worker.Logger, job.Id, worker.Queue, job.Attempt);
            }

            return state == JobState.Cancelled ? JobOutcomeNames.Cancelled : JobOutcomeNames.Retried;
        }

        LogDeadLettered(worker.Logger, job.Id, worker.Queue, job.Attempt, result.ErrorCode, result.Exception);
        if (await FinishAsync(held, JobState.DeadLettered, result, cancellationToken).ConfigureAwait(false))
        {
            await dispatcher.DeadLetterAsync(worker.Queue, job.Id, job.Attempt, result.ErrorCode, cancellationToken).ConfigureAwait(false);
        }

        return JobOutcomeNames.DeadLettered;
    }

    private async Task SucceedAsync(HeldJob held, AttemptResult result, CancellationToken cancellationToken)
    {
        bool written;
        try
        {
            written = await successes.WriteAsync(held.Id, held.Attempt, result.ResultJson, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The batch statement failed: write this success alone, with retries.
            LogWriteRetry(worker.Logger, worker.Queue, 1, ex);
            await FinishAsync(held, JobState.Succeeded, result, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!written)
        {
            LogLeaseLost(worker.Logger, held.Id, worker.Queue, held.Attempt);
        }
    }

    private async Task<bool> FinishAsync(HeldJob held, JobState state, AttemptResult result, CancellationToken cancellationToken)
    {
        var job = held.Job;
        var written = await WithRetriesAsync(store =>
            store.FinishAsync(job.Id, job.Attempt, worker.WorkerId, state, result.ResultJson, result.ErrorCode, result.ErrorMessage,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);
        if (!written)
        {
            LogLeaseLost(worker.Logger, job.Id, worker.Queue, job.Attempt);
        }

        return written;
    }

    /// <summary>Outcome writes retry briefly on a transient database error: losing one means running the job again.</summary>
    private async Task<T> WithRetriesAsync<T>(Func<JobStore, Task<T>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                return await write(scope.ServiceProvider.GetRequiredService<JobStore>()).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < 3 && IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                LogWriteRetry(worker.Logger, worker.Queue, attempt, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), worker.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(Exception exception) =>
        exception is Npgsql.NpgsqlException { IsTransient: true } or TimeoutException
        || exception.InnerException is Npgsql.NpgsqlException { IsTransient: true };
}
