using Npgsql;

namespace DurableJobs.Storage;

// Claims: queued and due → running, leased to the claiming worker (JobClaimer).
internal sealed partial class JobStore
{
    /// <summary>The rows a worker may claim: queued, due, no cancel requested, attempts left.</summary>
    private const string Claimable = "state = 'queued' AND next_attempt_at <= now() AND NOT cancel_requested AND attempt < max_attempts";

    /// <summary>
    /// Claims the given jobs (read from the stream) that are still queued and due; locked rows are skipped, never waited for.
    /// </summary>
    public Task<List<ClaimedJob>> ClaimAsync(string queue, Guid[] ids, string worker, TimeSpan lease,
        CancellationToken cancellationToken) =>
        ClaimCoreAsync($"id = ANY(@ids) AND queue = @queue AND {Claimable} ORDER BY id",
            [UuidArray("ids", ids), Text("queue", queue)], worker, lease, cancellationToken);

    /// <summary>Claims up to <paramref name="count"/> due jobs straight from the table (Redis unavailable).</summary>
    public Task<List<ClaimedJob>> ClaimNextAsync(string queue, int count, string worker, TimeSpan lease,
        CancellationToken cancellationToken) =>
        ClaimCoreAsync($"queue = @queue AND {Claimable} ORDER BY next_attempt_at LIMIT @count",
            [Text("queue", queue), Int("count", count)], worker, lease, cancellationToken);

    /// <summary>
    /// Claims the rows that <paramref name="candidates"/> selects: a condition with its order and limit, whose parameters
    /// are <paramref name="candidateParameters"/>.
    /// </summary>
    private Task<List<ClaimedJob>> ClaimCoreAsync(string candidates, NpgsqlParameter[] candidateParameters, string worker, TimeSpan lease,
        CancellationToken cancellationToken)
    {
        var sql = $"""
            UPDATE {_table} AS j SET
                state = 'running', attempt = j.attempt + 1, lease_owner = @worker, lease_expires_at = now() + @lease,
                heartbeat_at = now(), started_at = now(), finished_at = NULL
            FROM (SELECT id FROM {_table} WHERE {candidates} FOR UPDATE SKIP LOCKED) AS c
            WHERE j.id = c.id
            RETURNING j.id, j.queue, j.payload, j.attempt, j.max_attempts, j.timeout_ms, j.owner, j.idempotency_key,
                      j.trace_parent, j.created_at, j.next_attempt_at, j.started_at
            """;
        return QueryAsync(sql, p =>
        {
            p.AddRange(candidateParameters);
            p.Add(Text("worker", worker));
            p.Add(Interval("lease", lease));
        }, r => new ClaimedJob(
            r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), TimeSpan.FromMilliseconds(r.GetInt64(5)),
            NullableString(r, 6), NullableString(r, 7), NullableString(r, 8),
            r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10), r.GetFieldValue<DateTimeOffset>(11)),
            cancellationToken);
    }
}
