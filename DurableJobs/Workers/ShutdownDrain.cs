using Microsoft.Extensions.Hosting;
using static DurableJobs.Workers.QueueWorkerLog;

namespace DurableJobs.Workers;

/// <summary>
/// Draining at shutdown, for one queue's worker, within the host's shutdown timeout
/// (<see cref="HostOptions.ShutdownTimeout"/>): once claiming has stopped, running handlers may finish normally until
/// the shutdown timeout minus a reserve (<see cref="DrainReserve"/>); then their tokens fire, and the reserve is for
/// writing their outcomes (releasing their leases: queued again, the attempt not counted). A handler that ignores its
/// token is no longer waited for after half the reserve, and the leases of the jobs still held are released in the
/// other half. So the process exits within the shutdown timeout and no job stays leased to it.
/// </summary>
internal sealed class ShutdownDrain(WorkerContext worker, HeldJobs heldJobs, OutcomeSettler settler, HostOptions hostOptions)
{
    /// <summary>
    /// The part of the shutdown timeout kept for writing outcomes after the handlers' tokens fire: the outcome-write
    /// timeout, but never more than half the shutdown timeout (handlers keep at least the other half).
    /// </summary>
    internal static TimeSpan DrainReserve(TimeSpan shutdownTimeout, TimeSpan outcomeWriteTimeout) =>
        outcomeWriteTimeout < shutdownTimeout / 2 ? outcomeWriteTimeout : shutdownTimeout / 2;

    /// <summary>Waits for the worker's <paramref name="run"/> to end after claiming stopped, bounded as described above.</summary>
    public async Task DrainAsync(Task run, CancellationToken cancellationToken)
    {
        var time = worker.Time;
        var reserve = DrainReserve(hostOptions.ShutdownTimeout, worker.Options.OutcomeWriteTimeout);
        using var handlersDeadline = new CancellationTokenSource(hostOptions.ShutdownTimeout - reserve, time);
        using var stopHandlers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, handlersDeadline.Token);
        try
        {
            await run.WaitAsync(stopHandlers.Token).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (stopHandlers.IsCancellationRequested)
        {
            // Called here, not from a registration on the token: WaitAsync's own registration can complete this await
            // inline from the cancel callback, and leaving a using block would then unregister Abort before it ran.
            LogShutdownTimeout(worker.Logger, worker.Queue, heldJobs.Count);
            Abort();
        }

        try
        {
            // why: not cancellable: bounded by half the drain reserve.
            await run.WaitAsync(reserve / 2, time, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Handlers that ignore their token cannot be stopped, but their jobs must not stay leased to a dead process.
            using var releaseBound = new CancellationTokenSource(reserve / 2, time);
            LogHandlersIgnoredShutdown(worker.Logger, worker.Queue, heldJobs.Count);
            await settler.ReleaseAsync([.. heldJobs.All], releaseBound.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Fires the tokens of the held jobs (and of any claimed from now on) with reason shutdown.</summary>
    public void Abort()
    {
        LogAborting(worker.Logger, worker.Queue, heldJobs.Count);
        heldJobs.StopAll();
    }
}
