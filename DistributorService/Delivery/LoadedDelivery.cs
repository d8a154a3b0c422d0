namespace DistributorService.Delivery;

/// <summary>
/// A distribution as an attempt starts: its state, its event and its destination's state, read in the statement that
/// marks it <c>processing</c>. <see cref="ClaimedNumber"/> is the attempt's number when that claim happened (the job
/// owns the distribution, it is not final, its destination is active and no backoff is pending), otherwise null.
/// </summary>
public sealed record LoadedDelivery(
    Guid Id,
    string Status,
    Guid? JobId,
    int AttemptCount,
    DateTimeOffset? NextAttemptAt,
    Guid DestinationId,
    bool DestinationExists,
    bool DestinationActive,
    DateTimeOffset? DestinationVersion,
    Guid EventId,
    string EventType,
    DateTimeOffset AcceptedAt,
    string Payload,
    int? ClaimedNumber);
