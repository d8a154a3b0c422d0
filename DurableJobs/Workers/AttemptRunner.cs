using System.Collections.Concurrent;
using System.Text.Json;
using DurableJobs.Monitoring;
using DurableJobs.Storage;
using Microsoft.Extensions.DependencyInjection;
using static DurableJobs.Workers.QueueWorkerLog;

namespace DurableJobs.Workers;

/// <summary>
/// Running attempts, for one queue's worker: <see cref="QueueOptions.Concurrency"/> executor loops take the held jobs
/// from the buffer, run the queue's handler in a new DI scope with the job's token (it fires on the job's timeout, a
/// cancel request, the shutdown deadline or a lost lease), turn what the handler returned or threw into an
/// <see cref="AttemptResult"/> and have the <see cref="OutcomeSettler"/> write it. A success is left to the group commit
/// (<see cref="SuccessBatcher"/>) and the executor takes the next job; every other outcome is written before it does.
/// Once the worker stopped claiming, jobs still waiting in the buffer are released instead of run. A failing executor
/// never takes the worker down.
/// </summary>
internal sealed class AttemptRunner(
    WorkerContext worker,
    HeldJobs heldJobs,
    OutcomeSettler settler,
    JobTelemetry telemetry,
    IServiceScopeFactory scopes)
{
    private readonly ConcurrentDictionary<HeldJob, Task> _detached = new();

    /// <summary>Starts the executor loops; they end once the buffer is completed and empty.</summary>
    public Task[] StartExecutors() => Enumerable.Range(0, worker.QueueOptions.Concurrency).Select(_ => ExecuteLoopAsync()).ToArray();

    private async Task ExecuteLoopAsync()
    {
        await Task.Yield();
        await foreach (var held in heldJobs.ReadAllAsync().ConfigureAwait(false))
        {
            var detached = false;
            try
            {
                if (worker.Crashed)
                {
                    continue;
                }

                if (worker.StoppedClaiming)
                {
                    // why: not cancellable: ReleaseAsync bounds itself with OutcomeWriteTimeout.
                    await settler.ReleaseAsync([held], CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    detached = await RunAsync(held).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                // Never let one job take an executor down; the lease lapses and the sweeper reclaims the job.
                LogExecutorFailed(worker.Logger, held.Id, worker.Queue, ex);
            }
            finally
            {
                if (!detached)
                {
                    heldJobs.Done(held);
                }
            }
        }
    }

    /// <summary>
    /// Waits until every success the executors left to the group commit is written (or failed and logged). Called once the
    /// executors ended, so none is added meanwhile; the success writer must still be running.
    /// </summary>
    public async Task SettledAsync()
    {
        foreach (var settled in _detached.Values)
        {
            await settled.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the attempt and settles it. True when the executor left a success to the group commit (the job keeps its slot, and
    /// its lease is renewed, until the write is done, then <see cref="CompleteDetachedAsync"/> frees it); false when settled here.
    /// </summary>
    private async Task<bool> RunAsync(HeldJob held)
    {
        var job = held.Job;
        var time = worker.Time;
        var started = time.GetTimestamp();
        held.MarkStarted(started);
        telemetry.Started(worker.Queue, job.StartedAt - job.DueAt);
        var activity = telemetry.StartExecution(worker.Queue, job.Id, job.Attempt, job.TraceParent);
        AttemptResult result;
        try
        {
            using var timeout = new CancellationTokenSource(job.Timeout, time);
            using var onTimeout = timeout.Token.Register(static s => ((HeldJob)s!).Stop(HeldJob.StopReason.TimedOut), held);
            result = await InvokeHandlerAsync(held).ConfigureAwait(false);
        }
        catch
        {
            activity?.Dispose();
            throw;
        }

        var elapsedMs = time.GetElapsedTime(started).TotalMilliseconds;
        LogHandlerReturned(worker.Logger, job.Id, worker.Queue, result.Outcome, held.Reason, elapsedMs);
        held.Settling = true;
        var settling = SettleAsync(held, result, activity, started);
        if (result.Outcome != AttemptResult.Kind.Succeeded || settling.IsCompleted)
        {
            await settling.ConfigureAwait(false);
            return false;
        }

        // why: a success waits for the next group commit (one round trip shared with the others); an executor that waited with
        // it ran one job per round trip, so a no-op queue did Concurrency jobs per commit latency. The executor takes the next
        // job instead; the job stays held (slot, lease renewal, drain) until its write is done.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _detached[held] = done.Task;
        _ = CompleteDetachedAsync(held, settling, done);
        return true;
    }

    private async Task SettleAsync(HeldJob held, AttemptResult result, System.Diagnostics.Activity? activity, long started)
    {
        using (activity)
        {
            var outcome = await settler.SettleAsync(held, result).ConfigureAwait(false);
            activity?.SetTag("jobs.outcome", outcome);
            if (result.Exception is { } error)
            {
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.Message);
            }

            telemetry.Ended(worker.Queue, outcome, worker.Time.GetElapsedTime(started));
        }
    }

    private async Task CompleteDetachedAsync(HeldJob held, Task settling, TaskCompletionSource done)
    {
        try
        {
            await settling.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // As in the executor: the lease lapses and the sweeper reclaims the job.
            LogExecutorFailed(worker.Logger, held.Id, worker.Queue, ex);
        }
        finally
        {
            heldJobs.Done(held);
            _detached.TryRemove(held, out _);
            done.TrySetResult();
        }
    }

    private async Task<AttemptResult> InvokeHandlerAsync(HeldJob held)
    {
        var job = held.Job;
        object? value;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var handler = scope.ServiceProvider.GetRequiredKeyedService<IJobHandler>(worker.Queue);
            var context = new JobContext(job.Id, worker.Queue, JobStore.ParseJson(job.Payload), job.Attempt, job.MaxAttempts, job.Owner,
                job.IdempotencyKey ?? job.Id.ToString());
            value = await handler.HandleAsync(context, held.Token).ConfigureAwait(false);
        }
        catch (JobDeferredException ex) when (held.Reason == HeldJob.StopReason.None)
        {
            return new AttemptResult(AttemptResult.Kind.Deferred, ErrorMessage: ex.Message, Delay: ex.Delay);
        }
        catch (PermanentJobException ex)
        {
            return new AttemptResult(AttemptResult.Kind.PermanentFailure, ErrorCode: ex.Code, ErrorMessage: ex.Message, Exception: ex);
        }
        catch (OperationCanceledException) when (held.Reason == HeldJob.StopReason.None && worker.HostStopping)
        {
            // The handler stopped itself because the host is stopping (e.g. on ApplicationStopping) before the drain
            // deadline fired its token: a shutdown, so the job is released and the attempt not counted.
            return new AttemptResult(AttemptResult.Kind.Shutdown);
        }
        catch (Exception ex) when (held.Reason != HeldJob.StopReason.None)
        {
            // Whatever the handler threw once its token fired, the stop is the cause.
            return held.Reason switch
            {
                HeldJob.StopReason.Cancelled => new AttemptResult(AttemptResult.Kind.Cancelled, ErrorCode: JobErrorCodes.Cancelled,
                    ErrorMessage: "Cancelled while running."),
                HeldJob.StopReason.TimedOut => new AttemptResult(AttemptResult.Kind.TimedOut, ErrorCode: JobErrorCodes.Timeout,
                    ErrorMessage: $"Attempt {job.Attempt} ran past its timeout of {job.Timeout}."),
                HeldJob.StopReason.LeaseLost => new AttemptResult(AttemptResult.Kind.LeaseLost, Exception: ex),
                _ => new AttemptResult(AttemptResult.Kind.Shutdown),
            };
        }
        catch (Exception ex)
        {
            return new AttemptResult(AttemptResult.Kind.Error, ErrorCode: JobErrorCodes.HandlerError,
                ErrorMessage: $"{ex.GetType().Name}: {ex.Message}", Exception: ex);
        }

        return ToResult(value);
    }

    /// <summary>A handler's return value as the result JSON; a value that cannot be stored fails the job permanently.</summary>
    private static AttemptResult ToResult(object? value)
    {
        try
        {
            var json = value switch
            {
                null => null,
                JsonElement element => element.GetRawText(),
                _ => JsonSerializer.Serialize(value, value.GetType(), JsonSerializerOptions.Web),
            };
            return new AttemptResult(AttemptResult.Kind.Succeeded, ResultJson: json);
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            return new AttemptResult(AttemptResult.Kind.PermanentFailure, ErrorCode: JobErrorCodes.InvalidResult,
                ErrorMessage: $"The result of type {value?.GetType().Name} cannot be stored as JSON: {ex.Message}", Exception: ex);
        }
    }
}
