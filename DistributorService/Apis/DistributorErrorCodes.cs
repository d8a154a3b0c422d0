namespace DistributorService.Apis;

/// <summary>Problem codes of this service besides the shared ones in <c>ServiceDefaults.Problems.ErrorCodes</c>.</summary>
public static class DistributorErrorCodes
{
    public const string IntakePaused = "INTAKE_PAUSED";
    public const string SsrfRefused = "DESTINATION_URL_REFUSED";

    /// <summary>403: the publisher may not post this event type (<c>Distributor:Publishers</c>).</summary>
    public const string EventTypeNotAllowed = "EVENT_TYPE_NOT_ALLOWED";

    /// <summary>422: the publisher used this idempotency key before with another type or payload.</summary>
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
}
