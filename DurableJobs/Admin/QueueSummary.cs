namespace DurableJobs.Admin;

/// <summary>One queue in <c>GET /admin/queues</c>.</summary>
/// <param name="Depth">Queued jobs (capped by <c>Jobs:StatsCountCap</c>).</param>
/// <param name="InFlight">Running jobs across all workers.</param>
/// <param name="Workers">Live workers of the queue; null when Redis cannot be read.</param>
/// <param name="OldestQueuedAgeSeconds">How long the longest-waiting due job has waited; 0 when none.</param>
/// <param name="Degraded">The oldest due job is older than the queue's readiness threshold.</param>
public sealed record QueueSummary(
    string Queue,
    long Depth,
    long InFlight,
    int? Workers,
    double OldestQueuedAgeSeconds,
    long DeadLetters,
    int Concurrency,
    bool Degraded);
