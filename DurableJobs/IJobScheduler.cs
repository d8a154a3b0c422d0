using Npgsql;

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
    /// <remarks>
    /// Only the job row is written (other pending changes of the DbContext are not saved). Inside a transaction
    /// opened through the DbContext, the dispatch happens when that transaction commits (nothing is dispatched
    /// when it rolls back).
    /// </remarks>
    Task<EnqueueResult> EnqueueAsync(JobRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Validates the request and adds its row to the DbContext's change tracker without saving, so the caller's
    /// next <c>SaveChanges</c> stores it atomically with the caller's own rows (e.g. N deliveries + N jobs).
    /// The job is dispatched automatically once that save (or its enclosing transaction) commits.
    /// A repeated idempotency key makes that SaveChanges fail with a unique violation: use
    /// <see cref="EnqueueAsync"/> when the key may repeat.
    /// </summary>
    JobRecord Stage(JobRequest request);

    /// <summary>
    /// For a caller that writes its own rows with one Npgsql batch inside a transaction opened through the DbContext
    /// (<c>Database.BeginTransactionAsync</c>): validates the requests and returns the INSERT of their rows as one batch
    /// command to add to that batch (run it on the DbContext's connection and transaction), with the new job ids in
    /// request order. The jobs are dispatched when that transaction commits; nothing is dispatched when it rolls back.
    /// No change tracking: the cheapest way to store many jobs with the caller's rows. A repeated idempotency key
    /// makes the batch fail with a unique violation, as with <see cref="Stage"/>.
    /// </summary>
    (NpgsqlBatchCommand Command, IReadOnlyList<Guid> Ids) StageCommand(IReadOnlyList<JobRequest> requests);

    /// <summary>
    /// <see cref="EnqueueAsync(JobRequest, CancellationToken)"/> for a typed job: the queue is the one registered for
    /// <typeparamref name="TJob"/>, the payload its JSON (web defaults, stored as jsonb).
    /// </summary>
    Task<EnqueueResult> EnqueueAsync<TJob>(TJob job, EnqueueOptions options, CancellationToken cancellationToken)
        where TJob : notnull;

    /// <summary><see cref="Stage(JobRequest)"/> for a typed job (queue from its type).</summary>
    JobRecord Stage<TJob>(TJob job, EnqueueOptions options)
        where TJob : notnull;

    /// <summary>
    /// <see cref="StageCommand(IReadOnlyList{JobRequest})"/> for typed jobs (queue from their type): the batched path for
    /// many jobs, one multi-row INSERT.
    /// </summary>
    (NpgsqlBatchCommand Command, IReadOnlyList<Guid> Ids) StageCommand<TJob>(IReadOnlyList<(TJob Job, EnqueueOptions Options)> jobs)
        where TJob : notnull;

    /// <summary>
    /// Puts queued jobs on their streams (for rows written outside the DbContext's tracking); not needed after
    /// <see cref="EnqueueAsync"/> or <see cref="Stage"/>. Jobs not in state queued are skipped.
    /// </summary>
    Task DispatchAsync(IEnumerable<Guid> jobIds, CancellationToken cancellationToken);

    Task<JobSnapshot?> GetAsync(Guid jobId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes those of these jobs that are dead-lettered, in the caller's transaction when there is one: for an owner that
    /// replayed the work with new jobs or dropped what it was for, so the queue's dead-letter count (<c>/admin/queues</c>,
    /// <c>jobs.queue.dead_letters</c>) leaves them. Jobs in any other state are kept. Returns how many went.
    /// </summary>
    Task<int> DiscardDeadLettersAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken cancellationToken);

    /// <summary>Queued → cancelled at once; running → cancel requested and the holding worker signalled.
    /// Returns false when the job does not exist or has already finished.</summary>
    Task<bool> CancelAsync(Guid jobId, CancellationToken cancellationToken);
}
