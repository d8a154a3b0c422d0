namespace DurableJobs.Admin;

/// <summary>A worker (one queue's pool in one process) as its heartbeat key describes it.</summary>
/// <param name="Queue">Null when the heartbeat key has expired (the worker is long gone).</param>
/// <param name="Stale">No heartbeat for three intervals: the worker is presumed dead and its jobs are reclaimed on lease expiry.</param>
public sealed record WorkerSummary(
    string Id,
    string? Queue,
    int Concurrency,
    IReadOnlyList<Guid> CurrentJobs,
    DateTimeOffset LastHeartbeat,
    bool Stale);
