namespace DurableJobs;

/// <summary>
/// The row of table <c>jobs</c> in the service's own database (mapped by <c>modelBuilder.ApplyDurableJobs()</c>).
/// Services create rows only through <see cref="IJobScheduler"/> (<c>EnqueueAsync</c> or <c>Stage</c>); the workers
/// change them with single guarded SQL statements, so treat a loaded row as read-only.
/// </summary>
public sealed class JobRecord
{
    public Guid Id { get; set; }

    public string Queue { get; set; } = "";

    public JobState State { get; set; }

    public string? Owner { get; set; }

    /// <summary>The payload's JSON text (column type jsonb).</summary>
    public string Payload { get; set; } = "null";

    public string? IdempotencyKey { get; set; }

    /// <summary>Attempts started so far (the running attempt included).</summary>
    public int Attempt { get; set; }

    public int MaxAttempts { get; set; }

    public long TimeoutMs { get; set; }

    /// <summary>Not claimable before this time. Database clock (<c>now()</c> when left at its default).</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public DateTimeOffset? HeartbeatAt { get; set; }

    public bool CancelRequested { get; set; }

    /// <summary>When the job was last put on its stream; null means "dispatch when due" (the sweeper does it).</summary>
    public DateTimeOffset? DispatchedAt { get; set; }

    /// <summary>Database clock (<c>now()</c> when left at its default).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The handler's result as JSON text (column type jsonb).</summary>
    public string? Result { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    /// <summary>W3C <c>traceparent</c> of the enqueuing activity; the execution span is its child.</summary>
    public string? TraceParent { get; set; }
}
