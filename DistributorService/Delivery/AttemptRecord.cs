namespace DistributorService.Delivery;

/// <summary>
/// The outcome of one attempt: the <c>delivery_attempts</c> row, and the distribution's next status, written only
/// while the job <see cref="JobId"/> still owns the distribution.
/// </summary>
public sealed record AttemptRecord(
    Guid DistributionId,
    Guid JobId,
    int Number,
    DateTimeOffset StartedAt,
    long DurationMs,
    int? StatusCode,
    string? ErrorCode,
    string? Error,
    string Status,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt);
