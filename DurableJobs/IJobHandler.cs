namespace DurableJobs;

/// <summary>
/// Runs one attempt of a job of one queue. Resolved from a fresh DI scope per attempt (so it gets its own
/// pooled DbContext). The token fires on job timeout, cancellation request or host shutdown.
/// Return a result (stored as jsonb) or null; throw <see cref="PermanentJobException"/> for an error that must
/// not be retried; any other exception is retried with backoff until the attempts are used up.
/// </summary>
public interface IJobHandler
{
    Task<object?> HandleAsync(JobContext job, CancellationToken cancellationToken);
}
