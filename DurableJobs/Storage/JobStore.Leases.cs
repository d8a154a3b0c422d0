namespace DurableJobs.Storage;

// Leases: renewal on each heartbeat (LeaseKeeper) and release at shutdown (OutcomeSettler).
internal sealed partial class JobStore
{
    /// <summary>
    /// Gives held jobs back without counting the attempt (shutdown): they are queued again at once and marked
    /// dispatched because the caller puts them on the stream right after. Returns the ids that went back to the queue.
    /// </summary>
    public Task<List<Guid>> ReleaseAsync(IReadOnlyCollection<(Guid Id, int Attempt)> jobs, string worker,
        CancellationToken cancellationToken)
    {
        var sql = $"""
            {LockedInIdOrder}
            UPDATE {_table} AS j SET
                state = CASE WHEN j.cancel_requested THEN 'cancelled' ELSE 'queued' END,
                finished_at = CASE WHEN j.cancel_requested THEN now() END,
                attempt = GREATEST(j.attempt - 1, 0), next_attempt_at = now(), dispatched_at = now(),
                lease_owner = NULL, lease_expires_at = NULL
            FROM unnest(@ids, @attempts) AS h(id, attempt)
            WHERE j.id = h.id AND j.id IN (SELECT id FROM locked) AND j.attempt = h.attempt
                AND j.lease_owner = @worker AND j.state = 'running'
            RETURNING j.id, j.state
            """;
        return ReadReleased(sql, jobs, worker, cancellationToken);
    }

    /// <summary>
    /// Puts a job its handler deferred back in the queue, due after <paramref name="delay"/>, without counting the attempt
    /// (a cancel requested meanwhile ends it cancelled). Marked dispatched at its due time: the worker dispatches it then, and
    /// the sweeper only if that dispatch is lost (<see cref="DurableJobsOptions.RedispatchAfter"/>). False when the lease was lost.
    /// </summary>
    public async Task<bool> DeferAsync(Guid id, int attempt, string worker, TimeSpan delay, CancellationToken cancellationToken)
    {
        var sql = $"""
            UPDATE {_table} SET
                state = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END,
                finished_at = CASE WHEN cancel_requested THEN now() END,
                attempt = GREATEST(attempt - 1, 0), next_attempt_at = now() + @delay, dispatched_at = now() + @delay,
                lease_owner = NULL, lease_expires_at = NULL
            WHERE id = @id AND attempt = @attempt AND lease_owner = @worker AND state = 'running'
            """;
        var count = await ExecuteAsync(sql, p =>
        {
            p.Add(Uuid("id", id));
            p.Add(Int("attempt", attempt));
            p.Add(Text("worker", worker));
            p.Add(Interval("delay", delay));
        }, cancellationToken);
        return count == 1;
    }

    /// <summary>
    /// Renews the leases this worker still holds. Returns the renewed jobs with their cancel flag; a missing job's lease is lost.
    /// </summary>
    public Task<List<(Guid Id, bool CancelRequested)>> RenewLeasesAsync(IReadOnlyCollection<(Guid Id, int Attempt)> jobs, string worker,
        TimeSpan lease, CancellationToken cancellationToken)
    {
        var sql = $"""
            {LockedInIdOrder}
            UPDATE {_table} AS j SET lease_expires_at = now() + @lease, heartbeat_at = now()
            FROM unnest(@ids, @attempts) AS h(id, attempt)
            WHERE j.id = h.id AND j.id IN (SELECT id FROM locked) AND j.attempt = h.attempt
                AND j.lease_owner = @worker AND j.state = 'running'
            RETURNING j.id, j.cancel_requested
            """;
        return QueryAsync(sql, p =>
        {
            p.Add(UuidArray("ids", jobs.Select(j => j.Id).ToArray()));
            p.Add(IntArray("attempts", jobs.Select(j => j.Attempt).ToArray()));
            p.Add(Text("worker", worker));
            p.Add(Interval("lease", lease));
        }, r => (r.GetGuid(0), r.GetBoolean(1)), cancellationToken);
    }

    private async Task<List<Guid>> ReadReleased(string sql, IReadOnlyCollection<(Guid Id, int Attempt)> jobs, string worker,
        CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(sql, p =>
        {
            p.Add(UuidArray("ids", jobs.Select(j => j.Id).ToArray()));
            p.Add(IntArray("attempts", jobs.Select(j => j.Attempt).ToArray()));
            p.Add(Text("worker", worker));
        }, r => (Id: r.GetGuid(0), State: r.GetString(1)), cancellationToken);
        return rows.Where(r => r.State == JobStateNames.Queued).Select(r => r.Id).ToList();
    }
}
