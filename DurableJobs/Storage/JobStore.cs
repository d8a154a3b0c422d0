using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace DurableJobs.Storage;

/// <summary>
/// Every statement the mechanism runs against table <c>jobs</c>. Each state change is one guarded SQL statement
/// (claim, settle, renew, reclaim), so two workers can never both hold a job: a claim only matches a
/// <c>queued</c> row, and every later write is fenced by lease owner and attempt. Runs on the scoped DbContext's
/// connection (opened only for the statement, joining the caller's transaction when there is one).
/// </summary>
internal sealed class JobStore
{
    private const string Columns =
        "id, queue, state, owner, payload, idempotency_key, attempt, max_attempts, timeout_ms, created_at, " +
        "started_at, finished_at, result, error_code, error_message, cancel_requested, trace_parent, next_attempt_at";

    private readonly DbContext _context;
    private readonly string _table;

    public JobStore(DbContext context)
    {
        _context = context;
        _table = QualifiedTableName(context);
    }

    public DbContext Context => _context;

    /// <summary>
    /// The first clause of every write that updates a list of jobs and waits for row locks (success batch, lease
    /// renewal, release): it locks the rows of <c>@ids</c> in id order before the update touches them. Without it a
    /// worker's success batch and its lease renewal, both holding some of the same jobs, took their row locks in
    /// different orders and deadlocked; PostgreSQL broke the cycle only after <c>deadlock_timeout</c> (1 s), which
    /// showed as one-second delivery latencies under load. Writes that skip locked rows need no order.
    /// </summary>
    private string LockedInIdOrder => $"WITH locked AS MATERIALIZED (SELECT id FROM {_table} WHERE id = ANY(@ids) ORDER BY id FOR UPDATE)";

    /// <summary>The INSERT of many new jobs as one command for a caller's batch (see <see cref="IJobScheduler.StageCommand"/>).</summary>
    public NpgsqlBatchCommand InsertManyCommand(IReadOnlyList<NewJob> jobs)
    {
        var command = new NpgsqlBatchCommand($"""
            INSERT INTO {_table} (id, queue, state, owner, payload, idempotency_key, attempt, max_attempts, timeout_ms, cancel_requested, trace_parent)
            SELECT id, queue, 'queued', owner, payload::jsonb, idempotency_key, 0, max_attempts, timeout_ms, false, trace_parent
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[], $8::text[])
                AS j(id, queue, owner, payload, idempotency_key, max_attempts, timeout_ms, trace_parent)
            """);
        void Add<T>(Func<NewJob, T> column, NpgsqlDbType type) =>
            command.Parameters.Add(new NpgsqlParameter { Value = jobs.Select(column).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type });
        Add(j => j.Id, NpgsqlDbType.Uuid);
        Add(j => j.Queue, NpgsqlDbType.Text);
        Add(j => j.Owner, NpgsqlDbType.Text);
        Add(j => j.Payload, NpgsqlDbType.Text);
        Add(j => j.IdempotencyKey, NpgsqlDbType.Text);
        Add(j => j.MaxAttempts, NpgsqlDbType.Integer);
        Add(j => (long)j.Timeout.TotalMilliseconds, NpgsqlDbType.Bigint);
        Add(j => j.TraceParent, NpgsqlDbType.Text);
        return command;
    }

    public async Task<(JobSnapshot Job, bool Created)> InsertAsync(NewJob job, CancellationToken cancellationToken)
    {
        var sql = $"""
            INSERT INTO {_table} (id, queue, state, owner, payload, idempotency_key, attempt, max_attempts, timeout_ms, cancel_requested, trace_parent)
            VALUES (@id, @queue, 'queued', @owner, @payload, @key, 0, @max_attempts, @timeout_ms, false, @trace)
            ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING {Columns}
            """;
        var inserted = await QueryAsync(sql, p =>
        {
            p.Add(Uuid("id", job.Id));
            p.Add(Text("queue", job.Queue));
            p.Add(Text("owner", job.Owner));
            p.Add(Jsonb("payload", job.Payload));
            p.Add(Text("key", job.IdempotencyKey));
            p.Add(Int("max_attempts", job.MaxAttempts));
            p.Add(new NpgsqlParameter("timeout_ms", NpgsqlDbType.Bigint) { Value = (long)job.Timeout.TotalMilliseconds });
            p.Add(Text("trace", job.TraceParent));
        }, ReadSnapshot, cancellationToken);
        if (inserted.Count == 1)
        {
            return (inserted[0], true);
        }

        var existing = await QueryAsync(
            $"SELECT {Columns} FROM {_table} WHERE queue = @queue AND idempotency_key = @key",
            p =>
            {
                p.Add(Text("queue", job.Queue));
                p.Add(Text("key", job.IdempotencyKey));
            }, ReadSnapshot, cancellationToken);
        return existing.Count == 1
            ? (existing[0], false)
            : throw new InvalidOperationException($"Job insert for queue '{job.Queue}' conflicted but no job with its idempotency key was found.");
    }

    public async Task<JobSnapshot?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM {_table} WHERE id = @id",
            p => p.Add(Uuid("id", id)), ReadSnapshot, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<List<DispatchItem>> FindQueuedAsync(Guid[] ids, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT id, queue FROM {_table} WHERE id = ANY(@ids) AND state = 'queued'",
            p => p.Add(UuidArray("ids", ids)), r => new DispatchItem(r.GetGuid(0), r.GetString(1)), cancellationToken);

    /// <summary>Queued → cancelled; running → cancel requested. Returns the state after the call, or null when the job was not active.</summary>
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

    /// <summary>Claims the given jobs (read from the stream) that are still queued and due; locked rows are skipped, never waited for.</summary>
    public Task<List<ClaimedJob>> ClaimAsync(string queue, Guid[] ids, string worker, TimeSpan lease, CancellationToken cancellationToken) =>
        ClaimCoreAsync(
            "id = ANY(@ids) AND queue = @queue AND state = 'queued' AND next_attempt_at <= now() AND NOT cancel_requested AND attempt < max_attempts ORDER BY id",
            p =>
            {
                p.Add(UuidArray("ids", ids));
                p.Add(Text("queue", queue));
            }, worker, lease, cancellationToken);

    /// <summary>Claims up to <paramref name="count"/> due jobs straight from the table (Redis unavailable).</summary>
    public Task<List<ClaimedJob>> ClaimNextAsync(string queue, int count, string worker, TimeSpan lease, CancellationToken cancellationToken) =>
        ClaimCoreAsync(
            "queue = @queue AND state = 'queued' AND next_attempt_at <= now() AND NOT cancel_requested AND attempt < max_attempts ORDER BY next_attempt_at LIMIT @count",
            p =>
            {
                p.Add(Text("queue", queue));
                p.Add(Int("count", count));
            }, worker, lease, cancellationToken);

    private Task<List<ClaimedJob>> ClaimCoreAsync(string candidates, Action<NpgsqlParameterCollection> bind, string worker, TimeSpan lease, CancellationToken cancellationToken)
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
            bind(p);
            p.Add(Text("worker", worker));
            p.Add(Interval("lease", lease));
        }, r => new ClaimedJob(
            r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), TimeSpan.FromMilliseconds(r.GetInt64(5)),
            NullableString(r, 6), NullableString(r, 7), NullableString(r, 8),
            r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10), r.GetFieldValue<DateTimeOffset>(11)), cancellationToken);
    }

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
            UPDATE {_table} AS j SET state = 'succeeded', finished_at = now(), result = s.result::jsonb, error_code = NULL, error_message = NULL,
                lease_owner = NULL, lease_expires_at = NULL
            FROM unnest(@ids, @attempts, @results) AS s(id, attempt, result)
            WHERE j.id = s.id AND j.id IN (SELECT id FROM locked) AND j.attempt = s.attempt AND j.lease_owner = @worker AND j.state = 'running'
            RETURNING j.id
            """;
        return QueryAsync(sql, p =>
        {
            p.Add(UuidArray("ids", [.. jobs.Select(j => j.Id)]));
            p.Add(new NpgsqlParameter("attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = jobs.Select(j => j.Attempt).ToArray() });
            p.Add(new NpgsqlParameter("results", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = jobs.Select(j => (object?)j.ResultJson ?? DBNull.Value).ToArray() });
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

    /// <summary>
    /// Gives held jobs back without counting the attempt (shutdown): they are queued again at once and marked
    /// dispatched because the caller puts them on the stream right after. Returns the ids that went back to the queue.
    /// </summary>
    public Task<List<Guid>> ReleaseAsync(IReadOnlyCollection<(Guid Id, int Attempt)> jobs, string worker, CancellationToken cancellationToken)
    {
        var sql = $"""
            {LockedInIdOrder}
            UPDATE {_table} AS j SET
                state = CASE WHEN j.cancel_requested THEN 'cancelled' ELSE 'queued' END,
                finished_at = CASE WHEN j.cancel_requested THEN now() END,
                attempt = GREATEST(j.attempt - 1, 0), next_attempt_at = now(), dispatched_at = now(),
                lease_owner = NULL, lease_expires_at = NULL
            FROM unnest(@ids, @attempts) AS h(id, attempt)
            WHERE j.id = h.id AND j.id IN (SELECT id FROM locked) AND j.attempt = h.attempt AND j.lease_owner = @worker AND j.state = 'running'
            RETURNING j.id, j.state
            """;
        return ReadReleased(sql, jobs, worker, cancellationToken);
    }

    private async Task<List<Guid>> ReadReleased(string sql, IReadOnlyCollection<(Guid Id, int Attempt)> jobs, string worker, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(sql, p =>
        {
            p.Add(UuidArray("ids", jobs.Select(j => j.Id).ToArray()));
            p.Add(new NpgsqlParameter("attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = jobs.Select(j => j.Attempt).ToArray() });
            p.Add(Text("worker", worker));
        }, r => (Id: r.GetGuid(0), State: r.GetString(1)), cancellationToken);
        return rows.Where(r => r.State == JobStateNames.Queued).Select(r => r.Id).ToList();
    }

    /// <summary>Renews the leases this worker still holds. Returns the renewed jobs with their cancel flag; a missing job's lease is lost.</summary>
    public Task<List<(Guid Id, bool CancelRequested)>> RenewLeasesAsync(IReadOnlyCollection<(Guid Id, int Attempt)> jobs, string worker,
        TimeSpan lease, CancellationToken cancellationToken)
    {
        var sql = $"""
            {LockedInIdOrder}
            UPDATE {_table} AS j SET lease_expires_at = now() + @lease, heartbeat_at = now()
            FROM unnest(@ids, @attempts) AS h(id, attempt)
            WHERE j.id = h.id AND j.id IN (SELECT id FROM locked) AND j.attempt = h.attempt AND j.lease_owner = @worker AND j.state = 'running'
            RETURNING j.id, j.cancel_requested
            """;
        return QueryAsync(sql, p =>
        {
            p.Add(UuidArray("ids", jobs.Select(j => j.Id).ToArray()));
            p.Add(new NpgsqlParameter("attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = jobs.Select(j => j.Attempt).ToArray() });
            p.Add(Text("worker", worker));
            p.Add(Interval("lease", lease));
        }, r => (r.GetGuid(0), r.GetBoolean(1)), cancellationToken);
    }

    /// <summary>
    /// Takes back running jobs whose lease expired (worker died, or its handler hung past timeout + grace):
    /// queued again (and dispatched by the caller), cancelled when that was asked, dead-lettered when attempts are used up.
    /// </summary>
    public Task<List<ReclaimedJob>> ReclaimExpiredAsync(string[] queues, int batch, TimeSpan stuckGrace, CancellationToken cancellationToken)
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

    /// <summary>Marks due queued jobs whose dispatch is missing or older than <paramref name="after"/> as dispatched now and returns them.</summary>
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
    public Task<List<JobSnapshot>> ListDeadLettersAsync(string queue, int take, DeadLetterCursor? after, CancellationToken cancellationToken)
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
                p.Add(new NpgsqlParameter("after_time", NpgsqlDbType.TimestampTz) { Value = cursor.FinishedAt });
                p.Add(Uuid("after_id", cursor.Id));
            }
        }, ReadSnapshot, cancellationToken);
    }

    /// <summary>Dead letters back to the queue with attempts reset (by ids and/or finished since a time), at most <paramref name="max"/> per call.</summary>
    public Task<List<Guid>> ReplayDeadLettersAsync(string queue, Guid[] ids, DateTimeOffset? since, int max, CancellationToken cancellationToken)
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

    private async Task<List<T>> QueryAsync<T>(string sql, Action<NpgsqlParameterCollection> bind, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
    {
        var database = _context.Database;
        await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = CreateCommand(sql, bind);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(read(reader));
            }

            return rows;
        }
        finally
        {
            await database.CloseConnectionAsync();
        }
    }

    private async Task<int> ExecuteAsync(string sql, Action<NpgsqlParameterCollection> bind, CancellationToken cancellationToken)
    {
        var database = _context.Database;
        await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = CreateCommand(sql, bind);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await database.CloseConnectionAsync();
        }
    }

    private NpgsqlCommand CreateCommand(string sql, Action<NpgsqlParameterCollection> bind)
    {
        var database = _context.Database;
        var connection = database.GetDbConnection() as NpgsqlConnection
            ?? throw new InvalidOperationException("DurableJobs needs the Npgsql provider (UseNpgsql) on the service's DbContext.");
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction;
        if (database.GetCommandTimeout() is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        bind(command.Parameters);
        return command;
    }

    private static JobSnapshot ReadSnapshot(NpgsqlDataReader r) => new(
        r.GetGuid(0),
        r.GetString(1),
        JobStateNames.Parse(r.GetString(2)),
        NullableString(r, 3),
        ParseJson(r.GetString(4)),
        r.GetInt32(6),
        r.GetInt32(7),
        r.GetFieldValue<DateTimeOffset>(9),
        r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10),
        r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11),
        r.IsDBNull(12) ? null : ParseJson(r.GetString(12)),
        NullableString(r, 13),
        NullableString(r, 14),
        r.GetBoolean(15));

    internal static JsonElement ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string? NullableString(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static string? Truncate(string? text) => text is { Length: > 4000 } ? text[..4000] : text;

    private static NpgsqlParameter Uuid(string name, Guid value) => new(name, NpgsqlDbType.Uuid) { Value = value };

    private static NpgsqlParameter UuidArray(string name, Guid[] value) => new(name, NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = value };

    private static NpgsqlParameter TextArray(string name, string[] value) => new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = value };

    private static NpgsqlParameter Text(string name, string? value) => new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Jsonb(string name, string? value) => new(name, NpgsqlDbType.Jsonb) { Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Int(string name, int value) => new(name, NpgsqlDbType.Integer) { Value = value };

    private static NpgsqlParameter Interval(string name, TimeSpan value) => new(name, NpgsqlDbType.Interval) { Value = value };

    private static string QualifiedTableName(DbContext context)
    {
        var entity = context.Model.FindEntityType(typeof(JobRecord))
            ?? throw new InvalidOperationException(
                $"{context.GetType().Name} does not map the job table: call modelBuilder.ApplyDurableJobs() in OnModelCreating.");
        var table = entity.GetTableName() ?? JobColumns.Table;
        var schema = entity.GetSchema();
        return schema is null ? Quote(table) : $"{Quote(schema)}.{Quote(table)}";
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
