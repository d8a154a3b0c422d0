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
    DeliveryLedger ledger,
    DestinationSlots slots,
    DistributorMetrics metrics,
    IOptionsMonitor<DistributorOptions> options,
    TimeProvider time,
    ILogger<DeliveryJobHandler> logger) : IJobHandler<DeliveryJobPayload>
{
    public async Task<object?> HandleAsync(DeliveryJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var distributionId = payload.DistributionId;
        if (payload.DestinationId is { } destinationId && slots.IsFull(destinationId))
        {
            // The destination's share of the workers is taken (it is slow or hanging): come back later instead of waiting in a
            // worker another destination needs. Nothing was written yet, so this costs only the job's own row.
            metrics.Deferred(destinationId);
            throw new JobDeferredException(slots.DeferDelay(destinationId), "The destination's share of the delivery workers is taken.");
        }

        var startedAt = time.GetUtcNow();
        // The common path is one round trip shared with other attempts (DeliveryLedger): read the distribution, its event and
        // its destination's state, and mark it `processing` when this job owns it.
        if (await ledger.ClaimAsync(distributionId, job.JobId, startedAt, cancellationToken) is not { } row)
        {
            throw new PermanentJobException(DeliveryErrorCodes.DistributionNotFound, $"Distribution {distributionId} does not exist.");
        }

        // A dead-lettered distribution whose own job runs again was replayed through the job admin API: deliver it.
        if (row.JobId != job.JobId || row.Status is DistributionStatus.Succeeded or DistributionStatus.Failed)
        {
            // Superseded by a replay, or already final (e.g. delivered just before a crash): nothing to send twice.
            return new { skipped = row.Status };
        }

        if (!row.DestinationExists)
        {
            await FinishAsync(row.Id, job, DistributionStatus.Failed, null, DeliveryErrorCodes.DestinationDeleted,
                "The destination was deleted.", cancellationToken);
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
            await FinishAsync(row.Id, job, DistributionStatus.Failed, null, DeliveryErrorCodes.DestinationDeleted,
                "The destination was deleted.", cancellationToken);
            throw new PermanentJobException(DeliveryErrorCodes.DestinationDeleted, "The destination was deleted.");
        }

        // One of the destination's slots (its own share of the workers), or the job comes back later.
        using var slot = slots.TryEnter(target);
        if (slot is null)
        {
            if (row.ClaimedNumber is { } claimedNumber)
            {
                await UnclaimAsync(row.Id, job.JobId, row.Status, claimedNumber, cancellationToken);
            }

            metrics.Deferred(target.Id);
            throw new JobDeferredException(slots.DeferDelay(target.Id), "The destination's share of the delivery workers is taken.");
        }

        var number = row.ClaimedNumber ?? 0;
        if (row.ClaimedNumber is null)
        {
            startedAt = time.GetUtcNow();
            number = await StartAttemptAsync(row, job, target, startedAt, cancellationToken);
            if (number == 0)
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

        return await SettleAsync(row, job, target, number, startedAt, outcome);
    }

    /// <summary>
    /// Gives back a claim the ledger made when the job is deferred after all (its destination's share was taken): the
    /// distribution returns to its status before the claim and the attempt is not counted.
    /// </summary>
    private async Task UnclaimAsync(Guid distributionId, Guid jobId, string previousStatus, int number,
        CancellationToken cancellationToken) =>
        await db.Distributions.Where(d => d.Id == distributionId && d.JobId == jobId && d.Status == DistributionStatus.Processing
                                          && d.AttemptCount == number)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, previousStatus)
                .SetProperty(d => d.AttemptCount, number - 1), cancellationToken);

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

    private async Task FinishAsync(Guid distributionId, JobContext job, string status, int? statusCode, string code, string error,
        CancellationToken cancellationToken) =>
        await db.Distributions.Where(d => d.Id == distributionId && d.JobId == job.JobId)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, status)
                .SetProperty(d => d.UpdatedAt, time.GetUtcNow())
                .SetProperty(d => d.LastStatusCode, statusCode)
                .SetProperty(d => d.LastErrorCode, code)
                .SetProperty(d => d.LastError, error), cancellationToken);

    /// <summary>
    /// Starts a new attempt: the destination's backoff must be over (else the job comes back when it is), then the
    /// distribution is marked <c>processing</c> with its attempt number. Returns that number, or 0 when a replay took the
    /// distribution over.
    /// </summary>
    private async Task<int> StartAttemptAsync(LoadedDelivery row, JobContext job, DeliveryTarget target, DateTimeOffset startedAt,
        CancellationToken cancellationToken)
    {
        // The destination asked for a longer backoff (or Retry-After) than the queue's retry delay: the job comes back
        // when it is over instead of waiting in a worker.
        if (row.NextAttemptAt is { } notBefore && notBefore - time.GetUtcNow() is { Ticks: > 0 } remaining)
        {
            LogBackoff(row.Id, target.Name, remaining.TotalMilliseconds);
            throw new JobDeferredException(remaining, "The destination's backoff is not over.");
        }

        var number = row.AttemptCount + 1;
        var claimed = await db.Distributions.Where(d => d.Id == row.Id && d.JobId == job.JobId)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DistributionStatus.Processing)
                .SetProperty(d => d.AttemptCount, number)
                .SetProperty(d => d.UpdatedAt, startedAt), cancellationToken);
        return claimed == 0 ? 0 : number;
    }

    /// <summary>
    /// Records the attempt and decides the job's outcome: delivered (the result), failed for good (permanent), dead letter
    /// after the last attempt, or a retry after the destination's backoff.
    /// </summary>
    private async Task<object?> SettleAsync(LoadedDelivery row, JobContext job, DeliveryTarget target, int number,
        DateTimeOffset startedAt, DeliveryOutcome outcome)
    {
        var durationMs = (long)outcome.Duration.TotalMilliseconds;
        AttemptRecord Record(string status, DateTimeOffset? deliveredAt = null, DateTimeOffset? nextAttemptAt = null) =>
            new(row.Id, job.JobId, number, startedAt, durationMs, outcome.StatusCode, outcome.ErrorCode, Truncate(outcome.Error), status,
                time.GetUtcNow(), deliveredAt, nextAttemptAt);
        metrics.AttemptFinished(outcome);

        if (outcome.Succeeded)
        {
            var deliveredAt = time.GetUtcNow();
            await ledger.RecordAsync(Record(DistributionStatus.Succeeded, deliveredAt: deliveredAt));
            metrics.DistributionFinished(DistributionStatus.Succeeded, target.Id, deliveredAt - row.AcceptedAt);
            LogDelivered(row.Id, target.Name, number, outcome.StatusCode, durationMs);
            return new { statusCode = outcome.StatusCode, attempt = number };
        }

        if (!outcome.Retryable)
        {
            await ledger.RecordAsync(Record(DistributionStatus.Failed));
            metrics.DistributionFinished(DistributionStatus.Failed, target.Id, null);
            LogFailed(row.Id, target.Name, number, outcome.ErrorCode, outcome.StatusCode, outcome.Error);
            throw new PermanentJobException(outcome.ErrorCode ?? DeliveryErrorCodes.Destination4xx, outcome.Error ?? "Delivery failed.");
        }

        if (job.Attempt >= job.MaxAttempts)
        {
            await ledger.RecordAsync(Record(DistributionStatus.DeadLettered));
            metrics.DistributionFinished(DistributionStatus.DeadLettered, target.Id, null);
            LogDeadLettered(row.Id, target.Name, number, job.MaxAttempts, outcome.ErrorCode, outcome.StatusCode, outcome.Error);
        }
        else
        {
            var next = time.GetUtcNow() + Backoff(target, job.Attempt, outcome.RetryAfter);
            await ledger.RecordAsync(Record(DistributionStatus.Pending, nextAttemptAt: next));
            LogRetrying(row.Id, target.Name, number, job.MaxAttempts, outcome.ErrorCode, outcome.StatusCode, outcome.Error, next);
        }

        throw new DeliveryRetryException(outcome.ErrorCode ?? DeliveryErrorCodes.Destination5xx, outcome.Error ?? "Delivery failed.");
    }

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

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Distribution {DistributionId} delivered to {Destination} on attempt {Attempt} with status {StatusCode} in " +
            "{DurationMs} ms")]
    private partial void LogDelivered(Guid distributionId, string destination, int attempt, int? statusCode, long durationMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Distribution {DistributionId} to {Destination} attempt {Attempt} of {MaxAttempts} failed with {ErrorCode} (status " +
            "{StatusCode}): {Error}; next attempt not before {NextAttemptAt}")]
    private partial void LogRetrying(Guid distributionId, string destination, int attempt, int maxAttempts, string? errorCode,
        int? statusCode, string? error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error,
        Message = "Distribution {DistributionId} to {Destination} failed permanently on attempt {Attempt} with {ErrorCode} (status " +
            "{StatusCode}): {Error}")]
    private partial void LogFailed(Guid distributionId, string destination, int attempt, string? errorCode, int? statusCode, string? error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error,
        Message = "Distribution {DistributionId} to {Destination} dead-lettered after attempt {Attempt} (job max {MaxAttempts}) with " +
            "{ErrorCode} (status {StatusCode}): {Error}")]
    private partial void LogDeadLettered(Guid distributionId, string destination, int attempt, int maxAttempts, string? errorCode,
        int? statusCode, string? error);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug,
        Message = "Distribution {DistributionId} to {Destination} is deferred {WaitMs} ms for the destination's backoff")]
    private partial void LogBackoff(Guid distributionId, string destination, double waitMs);
}
