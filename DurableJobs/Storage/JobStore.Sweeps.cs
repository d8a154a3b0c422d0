namespace DurableJobs.Storage;

// Sweeps: expired leases reclaimed and lost dispatches taken again, across all replicas (JobSweeper).
internal sealed partial class JobStore
{
    /// <summary>
    /// Takes back running jobs whose lease expired (worker died, or its handler hung past timeout + grace):
    /// queued again (and dispatched by the caller), cancelled when that was asked, dead-lettered when attempts are used up.
    /// </summary>
    public Task<List<ReclaimedJob>> ReclaimExpiredAsync(string[] queues, int batch, TimeSpan stuckGrace,
        CancellationToken cancellationToken)
    {
        var sql = $"""
            UPDATE {_table} AS j SET
                state = CASE WHEN j.cancel_requested THEN 'cancelled'
                             WHEN j.attempt >= j.max_attempts THEN 'dead_lettered' ELSE 'queued' END,
                finished_at = CASE WHEN j.cancel_requested OR j.attempt >= j.max_attempts THEN now() END,
                next_attempt_at = now(), dispatched_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                error_code = CASE WHEN j.cancel_requested THEN @cancelled
                                  WHEN c.stuck THEN @stuck ELSE @lost END,
                error_message = CASE WHEN j.cancel_requested THEN 'Cancelled; its worker stopped answering.'
                                     WHEN c.stuck THEN 'Ran past its timeout plus grace without a heartbeat; reclaimed.'
                                     ELSE 'Its worker stopped renewing the lease (crashed or stopped); reclaimed.' END
            FROM (
                SELECT id, lease_owner AS previous_owner,
                       started_at + timeout_ms * interval '1 millisecond' + @grace < now() AS stuck
                FROM {_table}
                WHERE queue = ANY(@queues) AND state = 'running' AND lease_expires_at < now()
                ORDER BY lease_expires_at LIMIT @batch FOR UPDATE SKIP LOCKED) AS c
            WHERE j.id = c.id
            RETURNING j.id, j.queue, j.state, c.previous_owner, j.attempt, c.stuck
            """;
        return QueryAsync(sql, p =>
        {
            p.Add(TextArray("queues", queues));
            p.Add(Int("batch", batch));
            p.Add(Interval("grace", stuckGrace));
            p.Add(Text("cancelled", JobErrorCodes.Cancelled));
            p.Add(Text("stuck", JobErrorCodes.Stuck));
            p.Add(Text("lost", JobErrorCodes.LeaseExpired));
        }, r => new ReclaimedJob(r.GetGuid(0), r.GetString(1), JobStateNames.Parse(r.GetString(2)), NullableString(r, 3),
            r.GetInt32(4), !r.IsDBNull(5) && r.GetBoolean(5)), cancellationToken);
    }

    /// <summary>
    /// Marks due queued jobs whose dispatch is missing or older than <paramref name="after"/> as dispatched now and returns them.
    /// </summary>
    public Task<List<DispatchItem>> TakeDueForDispatchAsync(string[] queues, TimeSpan after, int batch, CancellationToken cancellationToken)
    {
        var sql = $"""
            UPDATE {_table} AS j SET dispatched_at = now()
            FROM (
                SELECT id FROM {_table}
                WHERE queue = ANY(@queues) AND state = 'queued' AND next_attempt_at <= now()
                  AND (dispatched_at IS NULL OR dispatched_at < now() - @after)
                ORDER BY next_attempt_at LIMIT @batch FOR UPDATE SKIP LOCKED) AS c
            WHERE j.id = c.id
            RETURNING j.id, j.queue
            """;
        return QueryAsync(sql, p =>
        {
            p.Add(TextArray("queues", queues));
            p.Add(Interval("after", after));
            p.Add(Int("batch", batch));
        }, r => new DispatchItem(r.GetGuid(0), r.GetString(1)), cancellationToken);
    }
}
