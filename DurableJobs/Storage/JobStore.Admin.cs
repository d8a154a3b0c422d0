using Npgsql;
using NpgsqlTypes;
using ServiceDefaults.Paging;

namespace DurableJobs.Storage;

// Queries and admin: read a job, cancel it, queue statistics, dead letters and their replay.
internal sealed partial class JobStore
{
    public async Task<JobSnapshot?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM {_table} WHERE id = @id",
            p => p.Add(Uuid("id", id)), ReadSnapshot, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<List<DispatchItem>> FindQueuedAsync(Guid[] ids, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT id, queue FROM {_table} WHERE id = ANY(@ids) AND state = 'queued'",
            p => p.Add(UuidArray("ids", ids)), r => new DispatchItem(r.GetGuid(0), r.GetString(1)), cancellationToken);

    /// <summary>
    /// Queued → cancelled; running → cancel requested. Returns the state after the call, or null when the job was not active.
    /// </summary>
    public async Task<JobState?> CancelAsync(Guid id, CancellationToken cancellationToken)
    {
        var sql = $"""
            UPDATE {_table} SET
                cancel_requested = true,
                state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
                finished_at = CASE WHEN state = 'queued' THEN now() ELSE finished_at END,
                error_code = CASE WHEN state = 'queued' THEN @code ELSE error_code END,
                error_message = CASE WHEN state = 'queued' THEN 'Cancelled before it started.' ELSE error_message END
            WHERE id = @id AND state IN ('queued', 'running')
            RETURNING state
            """;
        var rows = await QueryAsync(sql, p =>
        {
            p.Add(Uuid("id", id));
            p.Add(Text("code", JobErrorCodes.Cancelled));
        }, r => JobStateNames.Parse(r.GetString(0)), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<List<QueueStats>> GetStatsAsync(string[] queues, int cap, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT q.name,
                (SELECT count(*) FROM (SELECT 1 FROM {_table} WHERE queue = q.name AND state = 'queued' LIMIT @cap) AS d),
                (SELECT count(*) FROM (SELECT 1 FROM {_table} WHERE queue = q.name AND state = 'running' LIMIT @cap) AS r),
                (SELECT count(*) FROM (SELECT 1 FROM {_table} WHERE queue = q.name AND state = 'dead_lettered' LIMIT @cap) AS x),
                now() - (SELECT min(next_attempt_at) FROM {_table} WHERE queue = q.name AND state = 'queued' AND next_attempt_at <= now())
            FROM unnest(@queues) AS q(name)
            """;
        return QueryAsync(sql, p =>
        {
            p.Add(TextArray("queues", queues));
            p.Add(Int("cap", cap));
        }, r => new QueueStats(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3),
            r.IsDBNull(4) ? null : r.GetFieldValue<TimeSpan>(4)), cancellationToken);
    }

    /// <summary>Newest first, keyset-paged on (finished_at, id).</summary>
    public Task<List<JobSnapshot>> ListDeadLettersAsync(string queue, int take, PageCursor? after,
        CancellationToken cancellationToken)
    {
        var position = after is null ? "" : "AND (finished_at, id) < (@after_time, @after_id)";
        var sql = $"""
            SELECT {Columns} FROM {_table}
            WHERE queue = @queue AND state = 'dead_lettered' {position}
            ORDER BY finished_at DESC, id DESC LIMIT @take
            """;
        return QueryAsync(sql, p =>
        {
            p.Add(Text("queue", queue));
            p.Add(Int("take", take));
            if (after is { } cursor)
            {
                p.Add(new NpgsqlParameter("after_time", NpgsqlDbType.TimestampTz) { Value = cursor.At });
                p.Add(Uuid("after_id", cursor.Id));
            }
        }, ReadSnapshot, cancellationToken);
    }

    /// <summary>
    /// Dead letters back to the queue with attempts reset (by ids and/or finished since a time), at most <paramref name="max"/> per call.
    /// </summary>
    public Task<List<Guid>> ReplayDeadLettersAsync(string queue, Guid[] ids, DateTimeOffset? since, int max,
        CancellationToken cancellationToken)
    {
        var selection = since is null ? "id = ANY(@ids)" : "(id = ANY(@ids) OR finished_at >= @since)";
        var sql = $"""
            UPDATE {_table} AS j SET
                state = 'queued', attempt = 0, next_attempt_at = now(), dispatched_at = now(), cancel_requested = false,
                lease_owner = NULL, lease_expires_at = NULL, started_at = NULL, finished_at = NULL, result = NULL
            FROM (
                SELECT id FROM {_table}
                WHERE queue = @queue AND state = 'dead_lettered' AND {selection}
                ORDER BY finished_at LIMIT @max FOR UPDATE SKIP LOCKED) AS c
            WHERE j.id = c.id
            RETURNING j.id
            """;
        return QueryAsync(sql, p =>
        {
            p.Add(Text("queue", queue));
            p.Add(UuidArray("ids", ids));
            p.Add(Int("max", max));
            if (since is { } s)
            {
                p.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = s.ToUniversalTime() });
            }
        }, r => r.GetGuid(0), cancellationToken);
    }

    /// <summary>Deletes those of the given jobs that are dead-lettered (the owner replayed or dropped them).</summary>
    public Task<int> DiscardDeadLettersAsync(Guid[] ids, CancellationToken cancellationToken) =>
        ExecuteAsync($"DELETE FROM {_table} WHERE id = ANY(@ids) AND state = 'dead_lettered'", p => p.Add(UuidArray("ids", ids)),
            cancellationToken);
}
