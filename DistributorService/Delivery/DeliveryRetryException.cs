namespace DistributorService.Delivery;

/// <summary>A retryable delivery failure: the job mechanism retries the job (the distribution stays <c>pending</c>, or is
/// <c>dead_lettered</c> on the last attempt).</summary>
public sealed class DeliveryRetryException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
