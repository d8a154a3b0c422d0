using Npgsql;
using NpgsqlTypes;

namespace DurableJobs.Storage;

// Outcomes: what an attempt came to, fenced by lease owner and attempt (OutcomeSettler, SuccessBatcher).
internal sealed partial class JobStore
{
    /// <summary>Records a final outcome of the attempt this worker holds. False when the lease was lost meanwhile.</summary>
    public async Task<bool> FinishAsync(Guid id, int attempt, string worker, JobState state, string? resultJson,
        string? errorCode, string? errorMessage, CancellationToken cancellationToken)
    {
        var sql = $"""
            UPDATE {_table} SET state = @state, finished_at = now(), result = @result, error_code = @code, error_message = @message,
                lease_owner = NULL, lease_expires_at = NULL
            WHERE id = @id AND attempt = @attempt AND lease_owner = @worker AND state = 'running'
            """;
        var count = await ExecuteAsync(sql, p =>
        {
            p.Add(Uuid("id", id));
            p.Add(Int("attempt", attempt));
            p.Add(Text("worker", worker));
            p.Add(Text("state", JobStateNames.ToText(state)));
            p.Add(Jsonb("result", resultJson));
            p.Add(Text("code", errorCode));
            p.Add(Text("message", Truncate(errorMessage)));
        }, cancellationToken);
        return count == 1;
    }

    /// <summary>Records several successes in one statement (group commit). Returns the ids written; a missing id lost its lease.</summary>
    public Task<List<Guid>> SucceedManyAsync(IReadOnlyCollection<(Guid Id, int Attempt, string? ResultJson)> jobs, string worker,
        CancellationToken cancellationToken)
    {
        var sql = $"""
            {LockedInIdOrder}
            UPDATE {_table} AS j SET state = 'succeeded', finished_at = now(), result = s.result::jsonb,
                error_code = NULL, error_message = NULL, lease_owner = NULL, lease_expires_at = NULL
            FROM unnest(@ids, @attempts, @results) AS s(id, attempt, result)
            WHERE j.id = s.id AND j.id IN (SELECT id FROM locked) AND j.attempt = s.attempt
                AND j.lease_owner = @worker AND j.state = 'running'
            RETURNING j.id
            """;
        return QueryAsync(sql, p =>
        {
            p.Add(UuidArray("ids", [.. jobs.Select(j => j.Id)]));
            p.Add(IntArray("attempts", jobs.Select(j => j.Attempt).ToArray()));
            p.Add(new NpgsqlParameter("results", NpgsqlDbType.Array | NpgsqlDbType.Text)
            {
                Value = jobs.Select(j => (object?)j.ResultJson ?? DBNull.Value).ToArray(),
            });
            p.Add(Text("worker", worker));
        }, r => r.GetGuid(0), cancellationToken);
    }

    /// <summary>
    /// Puts the attempt back in the queue for a later attempt (or ends it cancelled when a cancel was requested meanwhile).
    /// The sweeper dispatches it once due. Returns the new state, or null when the lease was lost.
    /// </summary>
    public async Task<JobState?> RetryAsync(Guid id, int attempt, string worker, TimeSpan delay, string errorCode, string? errorMessage,
        CancellationToken cancellationToken)
    {
        var sql = $"""
            UPDATE {_table} SET
                state = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END,
                finished_at = CASE WHEN cancel_requested THEN now() END,
                next_attempt_at = now() + @delay, dispatched_at = NULL, lease_owner = NULL, lease_expires_at = NULL,
                error_code = @code, error_message = @message
            WHERE id = @id AND attempt = @attempt AND lease_owner = @worker AND state = 'running'
            RETURNING state
            """;
        var rows = await QueryAsync(sql, p =>
        {
            p.Add(Uuid("id", id));
            p.Add(Int("attempt", attempt));
            p.Add(Text("worker", worker));
            p.Add(Interval("delay", delay));
            p.Add(Text("code", errorCode));
            p.Add(Text("message", Truncate(errorMessage)));
        }, r => JobStateNames.Parse(r.GetString(0)), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }
}
