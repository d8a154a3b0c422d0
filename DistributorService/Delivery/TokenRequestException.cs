namespace DistributorService.Delivery;

/// <summary>The OAuth2 token endpoint of a destination failed; <see cref="Retryable"/> for transport errors, 408, 429 and 5xx.</summary>
public sealed class TokenRequestException(string message, bool retryable, int? statusCode, Exception? inner = null)
    : Exception(message, inner)
{
    public bool Retryable { get; } = retryable;

    public int? StatusCode { get; } = statusCode;
}
