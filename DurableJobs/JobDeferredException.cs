namespace DurableJobs;

/// <summary>
/// Thrown by a handler that cannot start its work now (e.g. the resource it needs is busy) and wants to run later
/// without holding a worker: the job goes back to <c>queued</c>, due after <see cref="Delay"/>, and the attempt is not
/// counted. Throw it before any side effect; the sweeper dispatches the job again once it is due.
/// </summary>
public sealed class JobDeferredException(TimeSpan delay, string reason) : Exception(reason)
{
    public TimeSpan Delay { get; } = delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
}
