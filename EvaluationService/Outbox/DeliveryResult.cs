namespace EvaluationService.Outbox;

/// <summary>
/// What happened to one outbox send. <see cref="Permanent"/>: the distributor refused the event itself (it waits at the
/// longest backoff for an operator); <see cref="Unauthorized"/>: the distributor refused our credentials (401/403), a
/// configuration error that is logged at Error and retried with the normal backoff until the configuration is fixed.
/// </summary>
public sealed record DeliveryResult(bool Sent, bool Permanent, string? Error, bool Unauthorized = false)
{
    public static readonly DeliveryResult Delivered = new(true, false, null);

    public static DeliveryResult Retry(string error) => new(false, false, error);

    public static DeliveryResult Rejected(string error) => new(false, true, error);

    public static DeliveryResult Unauthenticated(string error) => new(false, false, error, Unauthorized: true);
}
