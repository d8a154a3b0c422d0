using DistributorService.Data;
using DistributorService.Destinations;
using DistributorService.Options;
using DistributorService.Telemetry;
using DurableJobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DistributorService.Delivery;

/// <summary>
/// Runs one attempt of one distribution (a job on queue <c>deliveries</c>): honours the destination's backoff,
/// sends, records the attempt and moves the distribution to its next status. Success returns; a permanent failure
/// throws <see cref="PermanentJobException"/> (no retry); a retryable one throws <see cref="DeliveryRetryException"/>
/// so the job mechanism retries it, and on the job's last attempt the distribution is <c>dead_lettered</c>.
/// </summary>
public sealed partial class DeliveryJobHandler(
    DistributorDbContext db,
    DestinationCatalog catalog,
    DeliverySender sender,
    DestinationBatcher batcher,
    DistributorMetrics metrics,
    IOptionsMonitor<DistributorOptions> options,
    TimeProvider time,
    ILogger<DeliveryJobHandler> logger) : IJobHandler
{
    public const string Queue = "deliveries";

    public async Task<object?> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var distributionId = job.GetPayload<DeliveryJobPayload>().DistributionId;
        var startedAt = time.GetUtcNow();
        // The common path is one round trip: read the distribution, its event and its destination's state, and mark it
        // `processing` when this job owns it, it is not final, its destination is active and no backoff is pending.
        var rows = await db.Database.SqlQuery<LoadedDelivery>($"""
            WITH current AS (
                SELECT d."Id", d."EventId", d."DestinationId", d."Status", d."JobId", d."AttemptCount", d."NextAttemptAt",
                       x."Id" IS NOT NULL AS "DestinationExists", coalesce(x."Enabled" AND NOT x."Paused", false) AS "DestinationActive",
                       x."UpdatedAt" AS "DestinationVersion"
                FROM distributions d LEFT JOIN destinations x ON x."Id" = d."DestinationId"
                WHERE d."Id" = {distributionId}),
            claimed AS (
                UPDATE distributions d SET "Status" = {DistributionStatus.Processing}, "AttemptCount" = d."AttemptCount" + 1, "UpdatedAt" = {startedAt}
                FROM current c
                WHERE d."Id" = c."Id" AND d."JobId" = {job.JobId} AND d."Status" NOT IN ({DistributionStatus.Succeeded}, {DistributionStatus.Failed})
                  AND c."DestinationActive" AND (d."NextAttemptAt" IS NULL OR d."NextAttemptAt" <= {startedAt})
                RETURNING d."AttemptCount")
            SELECT c."Id", c."Status", c."JobId", c."AttemptCount", c."NextAttemptAt", c."DestinationId", c."DestinationExists",
                   c."DestinationActive", c."DestinationVersion", e."Id" AS "EventId", e."Type" AS "EventType", e."AcceptedAt", e."Payload",
                   (SELECT "AttemptCount" FROM claimed) AS "ClaimedNumber"
            FROM current c JOIN events e ON e."Id" = c."EventId"
            """).ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            throw new PermanentJobException(DeliveryErrorCodes.DistributionNotFound, $"Distribution {distributionId} does not exist.");
        }

        var row = rows[0];
        // A dead-lettered distribution whose own job runs again was replayed through the job admin API: deliver it.
        if (row.JobId != job.JobId || row.Status is DistributionStatus.Succeeded or DistributionStatus.Failed)
        {
            // Superseded by a replay, or already final (e.g. delivered just before a crash): nothing to send twice.
            return new { skipped = row.Status };
        }

        if (!row.DestinationExists)
        {
            await FinishAsync(row.Id, job, DistributionStatus.Failed, null, DeliveryErrorCodes.DestinationDeleted, "The destination was deleted.", cancellationToken);
            throw new PermanentJobException(DeliveryErrorCodes.DestinationDeleted, "The destination was deleted.");
        }

        if (!row.DestinationActive)
        {
            // Parked: resume (or re-enable) puts the distribution back in the queue with a new job.
            await db.Distributions.Where(d => d.Id == row.Id && d.JobId == job.JobId)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DistributionStatus.Pending)
                    .SetProperty(d => d.JobId, (Guid?)null)
                    .SetProperty(d => d.UpdatedAt, time.GetUtcNow()), cancellationToken);
            return new { parked = true };
        }

        var target = await TargetAsync(row.DestinationId, row.DestinationVersion!.Value, cancellationToken);
        if (target is null)
        {
            // Deleted between the two reads.
            await FinishAsync(row.Id, job, DistributionStatus.Failed, null, DeliveryErrorCodes.DestinationDeleted, "The destination was deleted.", cancellationToken);
            throw new PermanentJobException(DeliveryErrorCodes.DestinationDeleted, "The destination was deleted.");
        }

        var number = row.ClaimedNumber ?? 0;
        if (row.ClaimedNumber is null)
        {
            // The destination asked for a longer backoff (or Retry-After) than the queue's retry delay: wait, then claim.
            await WaitForBackoffAsync(row.Id, row.NextAttemptAt, target.Name, cancellationToken);
            number = row.AttemptCount + 1;
            startedAt = time.GetUtcNow();
            var claimed = await db.Distributions.Where(d => d.Id == row.Id && d.JobId == job.JobId)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DistributionStatus.Processing)
                    .SetProperty(d => d.AttemptCount, number)
                    .SetProperty(d => d.UpdatedAt, startedAt), cancellationToken);
            if (claimed == 0)
            {
                return new { skipped = "superseded" };
            }
        }

        var body = DeliveryBody.ForEvent(row.EventId, row.EventType, row.AcceptedAt, row.Payload);
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["DistributionId"] = row.Id,
            ["DestinationId"] = target.Id,
            ["Destination"] = target.Name,
            ["Attempt"] = number,
        });

        var outcome = target.BatchMaxSize is > 1
            ? await batcher.SubmitAsync(target, body, cancellationToken)
            : await sender.SendAsync(target, row.Id.ToString(), body, cancellationToken);

        var attempt = new DeliveryAttempt
        {
            DistributionId = row.Id,
            Number = number,
            StartedAt = startedAt,
            DurationMs = (long)outcome.Duration.TotalMilliseconds,
            StatusCode = outcome.StatusCode,
            ErrorCode = outcome.ErrorCode,
            Error = Truncate(outcome.Error),
        };
        metrics.AttemptFinished(outcome);

        if (outcome.Succeeded)
        {
            var deliveredAt = time.GetUtcNow();
            await RecordAsync(attempt, row.Id, job.JobId, DistributionStatus.Succeeded, outcome, deliveredAt, null, cancellationToken);
            metrics.DistributionFinished(DistributionStatus.Succeeded, target.Id, deliveredAt - row.AcceptedAt);
            LogDelivered(row.Id, target.Name, number, outcome.StatusCode, attempt.DurationMs);
            return new { statusCode = outcome.StatusCode, attempt = number };
        }

        if (!outcome.Retryable)
        {
            await RecordAsync(attempt, row.Id, job.JobId, DistributionStatus.Failed, outcome, null, null, cancellationToken);
            metrics.DistributionFinished(DistributionStatus.Failed, target.Id, null);
            LogFailed(row.Id, target.Name, number, outcome.ErrorCode, outcome.StatusCode, outcome.Error);
            throw new PermanentJobException(outcome.ErrorCode ?? DeliveryErrorCodes.Destination4xx, outcome.Error ?? "Delivery failed.");
        }

        if (job.Attempt >= job.MaxAttempts)
        {
            await RecordAsync(attempt, row.Id, job.JobId, DistributionStatus.DeadLettered, outcome, null, null, cancellationToken);
            metrics.DistributionFinished(DistributionStatus.DeadLettered, target.Id, null);
            LogDeadLettered(row.Id, target.Name, number, job.MaxAttempts, outcome.ErrorCode, outcome.StatusCode, outcome.Error);
        }
        else
        {
            var next = time.GetUtcNow() + Backoff(target, job.Attempt, outcome.RetryAfter);
            await RecordAsync(attempt, row.Id, job.JobId, DistributionStatus.Pending, outcome, null, next, cancellationToken);
            LogRetrying(row.Id, target.Name, number, job.MaxAttempts, outcome.ErrorCode, outcome.StatusCode, outcome.Error, next);
        }

        throw new DeliveryRetryException(outcome.ErrorCode ?? DeliveryErrorCodes.Destination5xx, outcome.Error ?? "Delivery failed.");
    }

    /// <summary>
    /// The job mechanism's retry delay is per queue; a destination that asks for longer (its backoff or a Retry-After)
    /// gets the rest here, bounded by the job's timeout margin.
    /// </summary>
    private async Task WaitForBackoffAsync(Guid distributionId, DateTimeOffset? nextAttemptAt, string destinationName, CancellationToken cancellationToken)
    {
        if (nextAttemptAt is not { } notBefore)
        {
            return;
        }

        var remaining = notBefore - time.GetUtcNow();
        var bound = options.CurrentValue.Delivery.MaxInlineBackoff;
        if (remaining > TimeSpan.Zero)
        {
            LogBackoff(distributionId, destinationName, remaining.TotalMilliseconds);
            await Task.Delay(remaining < bound ? remaining : bound, time, cancellationToken);
        }
    }

    /// <summary>min(max, initial × multiplier^(n-1)) with ±jitter; a longer Retry-After wins.</summary>
    private TimeSpan Backoff(DeliveryTarget destination, int attempt, TimeSpan? retryAfter)
    {
        var seconds = Math.Min(destination.BackoffMaxSeconds,
            destination.BackoffInitialSeconds * Math.Pow(destination.BackoffMultiplier, Math.Max(0, attempt - 1)));
        var jitter = options.CurrentValue.Delivery.JitterRatio;
        seconds *= 1 + ((Random.Shared.NextDouble() * 2) - 1) * jitter;
        var delay = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return retryAfter is { } asked && asked > delay ? asked : delay;
    }

    private async Task RecordAsync(DeliveryAttempt attempt, Guid distributionId, Guid jobId, string status, DeliveryOutcome outcome,
        DateTimeOffset? deliveredAt, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken)
    {
        // The attempt happened: record it even when the job is being cancelled (bounded by the command timeout).
        // One statement: the attempt row always, the status change only while this job still owns the distribution.
        var token = cancellationToken.IsCancellationRequested ? CancellationToken.None : cancellationToken; // why: bounded by the 15 s command timeout; the attempt happened and must be recorded
        var now = time.GetUtcNow();
        var error = Truncate(outcome.Error);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            WITH attempt AS (
                INSERT INTO delivery_attempts ("DistributionId", "Number", "StartedAt", "DurationMs", "StatusCode", "ErrorCode", "Error")
                VALUES ({attempt.DistributionId}, {attempt.Number}, {attempt.StartedAt}, {attempt.DurationMs}, {attempt.StatusCode}, {attempt.ErrorCode}, {attempt.Error}))
            UPDATE distributions
            SET "Status" = {status}, "UpdatedAt" = {now}, "DeliveredAt" = {deliveredAt}, "NextAttemptAt" = {nextAttemptAt},
                "LastStatusCode" = {outcome.StatusCode}, "LastErrorCode" = {outcome.ErrorCode}, "LastError" = {error}
            WHERE "Id" = {distributionId} AND "JobId" = {jobId}
            """, token);
    }

    private async Task FinishAsync(Guid distributionId, JobContext job, string status, int? statusCode, string code, string error,
        CancellationToken cancellationToken) =>
        await db.Distributions.Where(d => d.Id == distributionId && d.JobId == job.JobId)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, status)
                .SetProperty(d => d.UpdatedAt, time.GetUtcNow())
                .SetProperty(d => d.LastStatusCode, statusCode)
                .SetProperty(d => d.LastErrorCode, code)
                .SetProperty(d => d.LastError, error), cancellationToken);

    /// <summary>The decrypted destination, loaded only when this version is not cached; null when it was deleted meanwhile.</summary>
    private async Task<DeliveryTarget?> TargetAsync(Guid destinationId, DateTimeOffset version, CancellationToken cancellationToken)
    {
        if (catalog.CachedTarget(destinationId, version) is { } cached)
        {
            return cached;
        }

        var destination = await db.Destinations.AsNoTracking().FirstOrDefaultAsync(d => d.Id == destinationId, cancellationToken);
        return destination is null ? null : catalog.Target(destination);
    }

    private static string? Truncate(string? value) => value is { Length: > 1000 } ? value[..1000] : value;

    /// <summary>The row of the one-statement load-and-claim of an attempt.</summary>
    private sealed class LoadedDelivery
    {
        public Guid Id { get; init; }
        public required string Status { get; init; }
        public Guid? JobId { get; init; }
        public int AttemptCount { get; init; }
        public DateTimeOffset? NextAttemptAt { get; init; }
        public Guid DestinationId { get; init; }
        public bool DestinationExists { get; init; }
        public bool DestinationActive { get; init; }
        public DateTimeOffset? DestinationVersion { get; init; }
        public Guid EventId { get; init; }
        public required string EventType { get; init; }
        public DateTimeOffset AcceptedAt { get; init; }
        public required string Payload { get; init; }
        public int? ClaimedNumber { get; init; }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Distribution {DistributionId} delivered to {Destination} on attempt {Attempt} with status {StatusCode} in {DurationMs} ms")]
    private partial void LogDelivered(Guid distributionId, string destination, int attempt, int? statusCode, long durationMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Distribution {DistributionId} to {Destination} attempt {Attempt} of {MaxAttempts} failed with {ErrorCode} (status {StatusCode}): {Error}; next attempt not before {NextAttemptAt}")]
    private partial void LogRetrying(Guid distributionId, string destination, int attempt, int maxAttempts, string? errorCode, int? statusCode, string? error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error,
        Message = "Distribution {DistributionId} to {Destination} failed permanently on attempt {Attempt} with {ErrorCode} (status {StatusCode}): {Error}")]
    private partial void LogFailed(Guid distributionId, string destination, int attempt, string? errorCode, int? statusCode, string? error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error,
        Message = "Distribution {DistributionId} to {Destination} dead-lettered after attempt {Attempt} (job max {MaxAttempts}) with {ErrorCode} (status {StatusCode}): {Error}")]
    private partial void LogDeadLettered(Guid distributionId, string destination, int attempt, int maxAttempts, string? errorCode, int? statusCode, string? error);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug,
        Message = "Distribution {DistributionId} to {Destination} waits {WaitMs} ms for the destination's backoff")]
    private partial void LogBackoff(Guid distributionId, string destination, double waitMs);
}
