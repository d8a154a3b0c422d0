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
    SecretProtector secrets,
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
        // One round trip for the distribution, its event and its destination.
        var loaded = await db.Distributions.AsNoTracking()
            .Where(d => d.Id == distributionId)
            .Select(d => new { Distribution = d, d.Event, Destination = db.Destinations.FirstOrDefault(x => x.Id == d.DestinationId) })
            .FirstOrDefaultAsync(cancellationToken);
        var distribution = loaded?.Distribution;
        if (distribution is not null)
        {
            distribution.Event = loaded!.Event;
        }

        if (distribution?.Event is null)
        {
            throw new PermanentJobException(DeliveryErrorCodes.DistributionNotFound, $"Distribution {distributionId} does not exist.");
        }

        // A dead-lettered distribution whose own job runs again was replayed through the job admin API: deliver it.
        if (distribution.JobId != job.JobId || distribution.Status is DistributionStatus.Succeeded or DistributionStatus.Failed)
        {
            // Superseded by a replay, or already final (e.g. delivered just before a crash): nothing to send twice.
            return new { skipped = distribution.Status };
        }

        var destination = loaded!.Destination;
        if (destination is null)
        {
            await FinishAsync(distribution, job, DistributionStatus.Failed, null, DeliveryErrorCodes.DestinationDeleted, "The destination was deleted.", cancellationToken);
            throw new PermanentJobException(DeliveryErrorCodes.DestinationDeleted, "The destination was deleted.");
        }

        if (!destination.Enabled || destination.Paused)
        {
            // Parked: resume (or re-enable) puts the distribution back in the queue with a new job.
            await db.Distributions.Where(d => d.Id == distribution.Id && d.JobId == job.JobId)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DistributionStatus.Pending)
                    .SetProperty(d => d.JobId, (Guid?)null)
                    .SetProperty(d => d.UpdatedAt, time.GetUtcNow()), cancellationToken);
            return new { parked = true };
        }

        await WaitForBackoffAsync(distribution, destination, cancellationToken);

        var number = distribution.AttemptCount + 1;
        var startedAt = time.GetUtcNow();
        var claimed = await db.Distributions.Where(d => d.Id == distribution.Id && d.JobId == job.JobId)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DistributionStatus.Processing)
                .SetProperty(d => d.AttemptCount, number)
                .SetProperty(d => d.UpdatedAt, startedAt), cancellationToken);
        if (claimed == 0)
        {
            return new { skipped = "superseded" };
        }

        var target = DeliveryTarget.From(destination, secrets);
        var body = DeliveryBody.ForEvent(distribution.Event.Id, distribution.Event.Type, distribution.Event.AcceptedAt, distribution.Event.Payload);
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["DistributionId"] = distribution.Id,
            ["DestinationId"] = destination.Id,
            ["Destination"] = destination.Name,
            ["Attempt"] = number,
        });

        var outcome = target.BatchMaxSize is > 1
            ? await batcher.SubmitAsync(target, body, cancellationToken)
            : await sender.SendAsync(target, distribution.Id.ToString(), body, cancellationToken);

        var attempt = new DeliveryAttempt
        {
            DistributionId = distribution.Id,
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
            await RecordAsync(attempt, distribution.Id, job.JobId, DistributionStatus.Succeeded, outcome, deliveredAt, null, cancellationToken);
            metrics.DistributionFinished(DistributionStatus.Succeeded, destination.Id, deliveredAt - distribution.Event.AcceptedAt);
            LogDelivered(distribution.Id, destination.Name, number, outcome.StatusCode, attempt.DurationMs);
            return new { statusCode = outcome.StatusCode, attempt = number };
        }

        if (!outcome.Retryable)
        {
            await RecordAsync(attempt, distribution.Id, job.JobId, DistributionStatus.Failed, outcome, null, null, cancellationToken);
            metrics.DistributionFinished(DistributionStatus.Failed, destination.Id, null);
            LogFailed(distribution.Id, destination.Name, number, outcome.ErrorCode, outcome.StatusCode, outcome.Error);
            throw new PermanentJobException(outcome.ErrorCode ?? DeliveryErrorCodes.Destination4xx, outcome.Error ?? "Delivery failed.");
        }

        if (job.Attempt >= job.MaxAttempts)
        {
            await RecordAsync(attempt, distribution.Id, job.JobId, DistributionStatus.DeadLettered, outcome, null, null, cancellationToken);
            metrics.DistributionFinished(DistributionStatus.DeadLettered, destination.Id, null);
            LogDeadLettered(distribution.Id, destination.Name, number, job.MaxAttempts, outcome.ErrorCode, outcome.StatusCode, outcome.Error);
        }
        else
        {
            var next = time.GetUtcNow() + Backoff(destination, job.Attempt, outcome.RetryAfter);
            await RecordAsync(attempt, distribution.Id, job.JobId, DistributionStatus.Pending, outcome, null, next, cancellationToken);
            LogRetrying(distribution.Id, destination.Name, number, job.MaxAttempts, outcome.ErrorCode, outcome.StatusCode, outcome.Error, next);
        }

        throw new DeliveryRetryException(outcome.ErrorCode ?? DeliveryErrorCodes.Destination5xx, outcome.Error ?? "Delivery failed.");
    }

    /// <summary>
    /// The job mechanism's retry delay is per queue; a destination that asks for longer (its backoff or a Retry-After)
    /// gets the rest here, bounded by the job's timeout margin.
    /// </summary>
    private async Task WaitForBackoffAsync(Distribution distribution, Destination destination, CancellationToken cancellationToken)
    {
        if (distribution.NextAttemptAt is not { } notBefore)
        {
            return;
        }

        var remaining = notBefore - time.GetUtcNow();
        var bound = options.CurrentValue.Delivery.MaxInlineBackoff;
        if (remaining > TimeSpan.Zero)
        {
            LogBackoff(distribution.Id, destination.Name, remaining.TotalMilliseconds);
            await Task.Delay(remaining < bound ? remaining : bound, time, cancellationToken);
        }
    }

    /// <summary>min(max, initial × multiplier^(n-1)) with ±jitter; a longer Retry-After wins.</summary>
    private TimeSpan Backoff(Destination destination, int attempt, TimeSpan? retryAfter)
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
        var token = cancellationToken.IsCancellationRequested ? CancellationToken.None : cancellationToken;
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

    private async Task FinishAsync(Distribution distribution, JobContext job, string status, int? statusCode, string code, string error,
        CancellationToken cancellationToken) =>
        await db.Distributions.Where(d => d.Id == distribution.Id && d.JobId == job.JobId)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, status)
                .SetProperty(d => d.UpdatedAt, time.GetUtcNow())
                .SetProperty(d => d.LastStatusCode, statusCode)
                .SetProperty(d => d.LastErrorCode, code)
                .SetProperty(d => d.LastError, error), cancellationToken);

    private static string? Truncate(string? value) => value is { Length: > 1000 } ? value[..1000] : value;

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
