namespace DurableJobs;

/// <summary>
/// The API side of the job mechanism: enqueue (accept = persist), inspect, cancel. Scoped: it uses the
/// request's DbContext so an enqueue joins the caller's transaction when there is one.
/// </summary>
public interface IJobScheduler
{
    /// <summary>
    /// Persists the job row (in the caller's current transaction, if any) and then dispatches it.
    /// Returns the existing job when the idempotency key was seen before (<see cref="EnqueueResult.Created"/> false).
    /// Throws <see cref="JobValidationException"/> for an unknown queue, oversized payload or out-of-range timeout.
    /// </summary>
    Task<EnqueueResult> EnqueueAsync(JobRequest request, CancellationToken cancellationToken);

    Task<JobSnapshot?> GetAsync(Guid jobId, CancellationToken cancellationToken);

    /// <summary>Queued → cancelled at once; running → cancel requested and the holding worker signalled.
    /// Returns false when the job does not exist or has already finished.</summary>
    Task<bool> CancelAsync(Guid jobId, CancellationToken cancellationToken);
}
