using Microsoft.Extensions.Logging;

namespace DurableJobs.Workers;

/// <summary>
/// The log messages of a queue's worker, in one place. Every part of the worker logs through the worker's
/// <c>ILogger&lt;QueueWorker&gt;</c>, so all of them keep the category <c>DurableJobs.Workers.QueueWorker</c>.
/// </summary>
internal static partial class QueueWorkerLog
{
    // Claiming (JobClaimer)

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Stream group of queue {Queue} is missing (Redis flushed or restarted); recreating it")]
    public static partial void LogGroupMissing(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Claiming jobs of queue {Queue} failed; retrying after a pause")]
    public static partial void LogClaimFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Took over {Count} stream entries of queue {Queue} from consumers that stopped answering")]
    public static partial void LogEntriesReclaimed(ILogger logger, int count, string queue);

    // Running an attempt (AttemptRunner)

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Executing job {JobId} of queue {Queue} failed outside its handler; its lease will lapse")]
    public static partial void LogExecutorFailed(ILogger logger, Guid jobId, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Handler of job {JobId} of queue {Queue} returned {Outcome} (stop reason {Reason}) after {ElapsedMs} ms")]
    public static partial void LogHandlerReturned(ILogger logger, Guid jobId, string queue, AttemptResult.Kind outcome,
        HeldJob.StopReason reason, double elapsedMs);

    // Settling the outcome (OutcomeSettler)

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Job {JobId} of queue {Queue} failed permanently on attempt {Attempt} with {ErrorCode}")]
    public static partial void LogPermanentFailure(ILogger logger, Guid jobId, string queue, int attempt, string? errorCode,
        Exception? exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} of queue {Queue} was cancelled while running")]
    public static partial void LogCancelled(ILogger logger, Guid jobId, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of queue {Queue} timed out on attempt {Attempt} after {Timeout}")]
    public static partial void LogTimedOut(ILogger logger, Guid jobId, string queue, int attempt, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Job {JobId} of queue {Queue} failed on attempt {Attempt} of {MaxAttempts}; retrying in {Delay}")]
    public static partial void LogRetrying(ILogger logger, Guid jobId, string queue, int attempt, int maxAttempts, TimeSpan delay,
        Exception? exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} of queue {Queue} dead-lettered after attempt {Attempt} with {ErrorCode}")]
    public static partial void LogDeadLettered(ILogger logger, Guid jobId, string queue, int attempt, string? errorCode,
        Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Lease of job {JobId} of queue {Queue} (attempt {Attempt}) was lost; this worker's outcome is discarded")]
    public static partial void LogLeaseLost(ILogger logger, Guid jobId, string queue, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released {Count} jobs of queue {Queue} back to the queue on shutdown")]
    public static partial void LogReleased(ILogger logger, int count, string queue);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId} of queue {Queue} deferred by its handler for {Delay}: {Reason}")]
    public static partial void LogDeferred(ILogger logger, Guid jobId, string queue, TimeSpan delay, string? reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Releasing {Count} jobs of queue {Queue} failed; their leases will lapse and the sweeper reclaims them")]
    public static partial void LogReleaseFailed(ILogger logger, int count, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing a job outcome of queue {Queue} failed (try {Attempt}); retrying")]
    public static partial void LogWriteRetry(ILogger logger, string queue, int attempt, Exception exception);

    // Keeping leases (LeaseKeeper)

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of queue {Queue} failed; leases are renewed on the next beat")]
    public static partial void LogHeartbeatFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Job {JobId} of queue {Queue} is stuck: its handler ignored its {Timeout} timeout; "
            + "no longer renewing its lease so it is reclaimed")]
    public static partial void LogAbandoned(ILogger logger, Guid jobId, string queue, TimeSpan timeout);

    // Draining at shutdown (ShutdownDrain)

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Shutdown timeout reached with {Count} jobs of queue {Queue} still held; cancelling and releasing them")]
    public static partial void LogShutdownTimeout(ILogger logger, string queue, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cancelling the {Count} held jobs of queue {Queue}")]
    public static partial void LogAborting(ILogger logger, string queue, int count);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Handlers of queue {Queue} did not end after their tokens fired; releasing the {Count} jobs they hold")]
    public static partial void LogHandlersIgnoredShutdown(ILogger logger, string queue, int count);
}
