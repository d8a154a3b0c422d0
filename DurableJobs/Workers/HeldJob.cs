using DurableJobs.Storage;

namespace DurableJobs.Workers;

/// <summary>
/// A job whose lease this worker holds, from claim to settlement. Its token is the handler's token: it fires once,
/// for the first of cancel request, timeout, shutdown or lost lease, and <see cref="Reason"/> remembers which.
/// </summary>
internal sealed class HeldJob(ClaimedJob job)
{
    // Never disposed: it has no timer, and a late Stop from another thread must not race a Dispose.
    private readonly CancellationTokenSource _stop = new();
    private int _reason;
    private long _startedTimestamp;
    private bool _settling;

    public enum StopReason
    {
        None,
        Cancelled,
        TimedOut,
        Shutdown,
        LeaseLost,
    }

    public ClaimedJob Job { get; } = job;

    public Guid Id => Job.Id;

    public int Attempt => Job.Attempt;

    public CancellationToken Token => _stop.Token;

    public StopReason Reason => (StopReason)Volatile.Read(ref _reason);

    /// <summary>Set once the heartbeat stopped renewing it (ran past timeout + grace): the sweeper will reclaim it.</summary>
    public bool Abandoned { get; set; }

    /// <summary>Set once the handler returned: its outcome is being written, so a lease that vanishes meanwhile was settled, not
    /// lost.</summary>
    public bool Settling
    {
        get => Volatile.Read(ref _settling);
        set => Volatile.Write(ref _settling, value);
    }

    public bool Started => Volatile.Read(ref _startedTimestamp) != 0;

    public void MarkStarted(long timestamp) => Volatile.Write(ref _startedTimestamp, timestamp);

    /// <summary>Whether it has run longer than its timeout plus <paramref name="grace"/> (a handler ignoring its token).</summary>
    public bool IsOverdue(TimeProvider time, TimeSpan grace)
    {
        var started = Volatile.Read(ref _startedTimestamp);
        return started != 0 && time.GetElapsedTime(started) > Job.Timeout + grace;
    }

    public void Stop(StopReason reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None) == (int)StopReason.None)
        {
            // Callbacks (the handler's continuations) run on the thread pool, not on the caller's thread
            // (a pub/sub callback, the heartbeat loop or a timer).
            _ = _stop.CancelAsync();
        }
    }
}
