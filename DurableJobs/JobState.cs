namespace DurableJobs;

/// <summary>Lifecycle of a durable job. Stored as lower-case text (<c>queued</c>, <c>running</c> …).</summary>
public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    DeadLettered,
}
