using System.Threading.Channels;
using DistributorService.Data;
using DistributorService.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using ServiceDefaults.Data;

namespace DistributorService.Delivery;

/// <summary>
/// Group commit for the two writes of every delivery attempt: the claim (read the distribution with its event and
/// destination, mark it <c>processing</c>) and the record (the attempt row and the distribution's next status).
/// One writer loop takes everything that arrived while its previous round trip was in flight and sends it as one
/// batch of at most two statements in one implicit transaction: no added wait when idle (a lone claim goes at once),
/// and under load one round trip and one commit serve many attempts instead of two each. Each row is still fenced by
/// its job id. A batch the server refuses is retried item by item, so one bad item fails only its own caller. Bounded: the
/// queue holds <see cref="Capacity"/> items (writers wait), every round trip has the database's command timeout.
/// A single writer also means the claims and records of one batch never wait for each other's row locks.
/// </summary>
public sealed partial class DeliveryLedger : IHostedService
{
    public const int Capacity = 1024;
    private const int MaxBatch = 256;

    // The claim: for each (distribution, job, start time) read the row, its destination's state and its event, and mark it
    // processing when the job owns it, it is not final, its destination is active and no backoff is pending.
    private const string ClaimSql = $"""
        WITH input AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS i(id, job_id, started_at)),
        current AS (
            SELECT d."Id", d."EventId", d."DestinationId", d."Status", d."JobId", d."AttemptCount", d."NextAttemptAt",
                   x."Id" IS NOT NULL AS destination_exists, coalesce(x."Enabled" AND NOT x."Paused", false) AS destination_active,
                   x."UpdatedAt" AS destination_version, i.job_id, i.started_at
            FROM input i JOIN distributions d ON d."Id" = i.id LEFT JOIN destinations x ON x."Id" = d."DestinationId"),
        claimed AS (
            UPDATE distributions d SET "Status" = '{DistributionStatus.Processing}', "AttemptCount" = d."AttemptCount" + 1,
                "UpdatedAt" = c.started_at
            FROM current c
            WHERE d."Id" = c."Id" AND d."JobId" = c.job_id
              AND d."Status" NOT IN ('{DistributionStatus.Succeeded}', '{DistributionStatus.Failed}')
              AND c.destination_active AND (d."NextAttemptAt" IS NULL OR d."NextAttemptAt" <= c.started_at)
            RETURNING d."Id", d."AttemptCount")
        SELECT c."Id", c."Status", c."JobId", c."AttemptCount", c."NextAttemptAt", c."DestinationId", c.destination_exists,
               c.destination_active, c.destination_version, e."Id", e."Type", e."AcceptedAt", e."Payload", k."AttemptCount"
        FROM current c JOIN events e ON e."Id" = c."EventId" LEFT JOIN claimed k ON k."Id" = c."Id"
        """;

    // The record: every attempt row, and each distribution's status change while its job still owns it.
    private const string RecordSql = """
        WITH input AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::timestamptz[], $5::bigint[], $6::int[], $7::text[], $8::text[],
                                 $9::text[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
                AS i(distribution_id, job_id, number, started_at, duration_ms, status_code, error_code, error, status, updated_at,
                     delivered_at, next_attempt_at)),
        attempts AS (
            INSERT INTO delivery_attempts ("DistributionId", "Number", "StartedAt", "DurationMs", "StatusCode", "ErrorCode", "Error")
            SELECT distribution_id, number, started_at, duration_ms, status_code, error_code, error FROM input)
        UPDATE distributions d
        SET "Status" = i.status, "UpdatedAt" = i.updated_at, "DeliveredAt" = i.delivered_at, "NextAttemptAt" = i.next_attempt_at,
            "LastStatusCode" = i.status_code, "LastErrorCode" = i.error_code, "LastError" = i.error
        FROM input i
        WHERE d."Id" = i.distribution_id AND d."JobId" = i.job_id
        """;

    private readonly Channel<object> _queue = Channel.CreateBounded<object>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeSpan _statementTimeout;
    private readonly DistributorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryLedger> _logger;
    private Task _writer = Task.CompletedTask;

    public DeliveryLedger([FromKeyedServices("distdb")] NpgsqlDataSource dataSource, IOptions<DatabaseOptions> database,
        DistributorMetrics metrics, TimeProvider time, ILogger<DeliveryLedger> logger)
    {
        _metrics = metrics;
        _dataSource = dataSource;
        _statementTimeout = database.Value.CommandTimeout;
        _time = time;
        _logger = logger;
    }

    /// <summary>Claims the distribution for this attempt (see <see cref="LoadedDelivery"/>); null when it does not exist.</summary>
    public async Task<LoadedDelivery?> ClaimAsync(Guid distributionId, Guid jobId, DateTimeOffset startedAt,
        CancellationToken cancellationToken)
    {
        var claim = new Claim(distributionId, jobId, startedAt, cancellationToken);
        await _queue.Writer.WriteAsync(claim, cancellationToken);
        return await claim.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Records the attempt. Not cancellable by the caller: the attempt happened and must be recorded even when its job is
    /// being cancelled; bounded by the command timeout (queueing and writing each).
    /// </summary>
    public async Task RecordAsync(AttemptRecord record)
    {
        var pending = new Record(record);
        using (var bound = new CancellationTokenSource(_statementTimeout, _time))
        {
            await _queue.Writer.WriteAsync(pending, bound.Token);
        }

        // The writer ends every round trip within the command timeout; twice that covers one batch before this one.
        await pending.Task.WaitAsync(_statementTimeout * 2, _time);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The loop ends when StopAsync completes the queue, once everything queued is written.
        _writer = Task.Run(WriteLoopAsync);
        return Task.CompletedTask;
    }

    /// <summary>Registered before the job workers, so it stops after them: what their last attempts queued is written.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await _writer.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var claims = new List<Claim>(MaxBatch);
        var records = new List<Record>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            claims.Clear();
            records.Clear();
            while (claims.Count + records.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                if (item is Claim claim)
                {
                    // A caller that gave up (its job was cancelled or timed out) is not claimed for.
                    if (claim.CallerToken.IsCancellationRequested)
                    {
                        claim.TrySetCanceled(claim.CallerToken);
                    }
                    else
                    {
                        claims.Add(claim);
                    }
                }
                else
                {
                    records.Add((Record)item);
                }
            }

            if (claims.Count + records.Count == 0)
            {
                continue;
            }

            try
            {
                await WriteAsync(claims, records);
                _metrics.LedgerBatch(claims.Count + records.Count, written: true);
            }
            catch (PostgresException ex) when (claims.Count + records.Count > 1)
            {
                // The server refused the batch (one bad item, a lock conflict): that must not fail the neighbours, so each goes
                // alone. Anything else (connection lost, timeout) would fail them alike: they fail together below.
                _metrics.LedgerBatch(claims.Count + records.Count, written: false);
                LogBatchFailed(claims.Count, records.Count, ex.Message);
                foreach (var claim in claims)
                {
                    await WriteAloneAsync([claim], []);
                }

                foreach (var record in records)
                {
                    await WriteAloneAsync([], [record]);
                }
            }
            catch (Exception ex)
            {
                Fail(claims, records, ex);
            }
        }
    }

    private async Task WriteAloneAsync(List<Claim> claims, List<Record> records)
    {
        try
        {
            await WriteAsync(claims, records);
        }
        catch (Exception ex)
        {
            Fail(claims, records, ex);
        }
    }

    private static void Fail(List<Claim> claims, List<Record> records, Exception ex)
    {
        foreach (var claim in claims)
        {
            claim.TrySetException(ex);
        }

        foreach (var record in records)
        {
            record.TrySetException(ex);
        }
    }

    /// <summary>One round trip, one implicit transaction; results are handed out only once it committed.</summary>
    private async Task WriteAsync(List<Claim> claims, List<Record> records)
    {
        using var bound = new CancellationTokenSource(_statementTimeout, _time);
        await using var connection = await _dataSource.OpenConnectionAsync(bound.Token);
        await using var batch = new NpgsqlBatch(connection);
        if (claims.Count > 0)
        {
            batch.BatchCommands.Add(ClaimCommand(claims));
        }

        if (records.Count > 0)
        {
            batch.BatchCommands.Add(RecordCommand(records));
        }

        var loaded = new Dictionary<Guid, LoadedDelivery>(claims.Count);
        await using (var reader = await batch.ExecuteReaderAsync(bound.Token))
        {
            if (claims.Count > 0)
            {
                while (await reader.ReadAsync(bound.Token))
                {
                    var row = Read(reader);
                    loaded[row.Id] = row;
                }
            }

            while (await reader.NextResultAsync(bound.Token))
            {
            }
        }

        foreach (var claim in claims)
        {
            claim.TrySetResult(loaded.GetValueOrDefault(claim.DistributionId));
        }

        foreach (var record in records)
        {
            record.TrySetResult();
        }
    }

    private static NpgsqlBatchCommand ClaimCommand(List<Claim> claims) => new(ClaimSql)
    {
        Parameters =
        {
            PgArray.Of(claims.Select(c => c.DistributionId), NpgsqlDbType.Uuid),
            PgArray.Of(claims.Select(c => c.JobId), NpgsqlDbType.Uuid),
            PgArray.Of(claims.Select(c => c.StartedAt), NpgsqlDbType.TimestampTz),
        },
    };

    private static NpgsqlBatchCommand RecordCommand(List<Record> records)
    {
        var attempts = records.Select(r => r.Attempt).ToList();
        return new NpgsqlBatchCommand(RecordSql)
        {
            Parameters =
            {
                PgArray.Of(attempts.Select(r => r.DistributionId), NpgsqlDbType.Uuid),
                PgArray.Of(attempts.Select(r => r.JobId), NpgsqlDbType.Uuid),
                PgArray.Of(attempts.Select(r => r.Number), NpgsqlDbType.Integer),
                PgArray.Of(attempts.Select(r => r.StartedAt), NpgsqlDbType.TimestampTz),
                PgArray.Of(attempts.Select(r => r.DurationMs), NpgsqlDbType.Bigint),
                PgArray.Of(attempts.Select(r => r.StatusCode), NpgsqlDbType.Integer),
                PgArray.Of(attempts.Select(r => r.ErrorCode), NpgsqlDbType.Text),
                PgArray.Of(attempts.Select(r => r.Error), NpgsqlDbType.Text),
                PgArray.Of(attempts.Select(r => r.Status), NpgsqlDbType.Text),
                PgArray.Of(attempts.Select(r => r.UpdatedAt), NpgsqlDbType.TimestampTz),
                PgArray.Of(attempts.Select(r => r.DeliveredAt), NpgsqlDbType.TimestampTz),
                PgArray.Of(attempts.Select(r => r.NextAttemptAt), NpgsqlDbType.TimestampTz),
            },
        };
    }

    private static LoadedDelivery Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.GetInt32(3),
        r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.GetGuid(5), r.GetBoolean(6), r.GetBoolean(7),
        r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), r.GetGuid(9), r.GetString(10), r.GetFieldValue<DateTimeOffset>(11),
        r.GetString(12), r.IsDBNull(13) ? null : r.GetInt32(13));

    private sealed class Claim(Guid distributionId, Guid jobId, DateTimeOffset startedAt, CancellationToken callerToken)
        : TaskCompletionSource<LoadedDelivery?>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public Guid DistributionId { get; } = distributionId;
        public Guid JobId { get; } = jobId;
        public DateTimeOffset StartedAt { get; } = startedAt;

        /// <summary>The caller's token: a claim whose caller gave up while queued is not written.</summary>
        public CancellationToken CallerToken { get; } = callerToken;
    }

    private sealed class Record(AttemptRecord attempt) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public AttemptRecord Attempt { get; } = attempt;
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning,
        Message = "A delivery ledger batch of {Claims} claims and {Records} records failed ({Error}); writing each alone")]
    private partial void LogBatchFailed(int claims, int records, string error);
}
