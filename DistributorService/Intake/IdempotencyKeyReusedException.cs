namespace DistributorService.Intake;

/// <summary>The publisher already used this idempotency key for another type or payload (422 <c>IDEMPOTENCY_KEY_REUSED</c>).</summary>
public sealed class IdempotencyKeyReusedException(Guid eventId)
    : Exception("This idempotency key was already used with a different type or payload.")
{
    /// <summary>The publisher's own event that holds the key.</summary>
    public Guid EventId { get; } = eventId;
}
