namespace DurableJobs.Workers;

/// <summary>What a worker writes to <c>jobs:worker:&lt;id&gt;</c> on each heartbeat.</summary>
internal sealed record WorkerHeartbeat(
    string Id,
    string Service,
    string Queue,
    int Concurrency,
    IReadOnlyList<Guid> Jobs,
    DateTimeOffset LastHeartbeat,
    TimeSpan HeartbeatInterval);
