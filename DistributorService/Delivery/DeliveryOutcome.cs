namespace DistributorService.Delivery;

/// <summary>The result of one HTTP attempt, classified for retry decisions, the breaker and the attempt record.</summary>
public sealed record DeliveryOutcome(
    bool Succeeded,
    bool Retryable,
    int? StatusCode,
    string? ErrorCode,
    string? Error,
    TimeSpan? RetryAfter,
    TimeSpan Duration)
{
    /// <summary>Counts against the destination's circuit breaker (transport failures, timeouts, 408, 429, 5xx).</summary>
    public bool IsTransientFailure => !Succeeded && Retryable && ErrorCode != DeliveryErrorCodes.CircuitOpen
                                      && ErrorCode != DeliveryErrorCodes.Throttled;
}
