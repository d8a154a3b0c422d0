using Npgsql;
using NpgsqlTypes;

namespace DurableJobs.Storage;

// Enqueue: the INSERT of new jobs (JobScheduler: EnqueueAsync, StageCommand).
internal sealed partial class JobStore
{
    /// <summary>The INSERT of many new jobs as one command for a caller's batch (see <see cref="IJobScheduler.StageCommand"/>).</summary>
    public NpgsqlBatchCommand InsertManyCommand(IReadOnlyList<NewJob> jobs)
    {
        var command = new NpgsqlBatchCommand($"""
            INSERT INTO {_table} (id, queue, state, owner, payload, idempotency_key, attempt, max_attempts, timeout_ms,
                cancel_requested, trace_parent)
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
            INSERT INTO {_table} (id, queue, state, owner, payload, idempotency_key, attempt, max_attempts, timeout_ms,
                cancel_requested, trace_parent)
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
            : throw new InvalidOperationException(
                $"Job insert for queue '{job.Queue}' conflicted but no job with its idempotency key was found.");
    }
}
