namespace DistributorService.Delivery;

/// <summary>Codes recorded on attempts and in structured logs (field <c>ErrorCode</c>).</summary>
public static class DeliveryErrorCodes
{
    public const string ConnectionTimeout = "CONNECTION_TIMEOUT";
    public const string ConnectionRefused = "CONNECTION_REFUSED";
    public const string ConnectionError = "CONNECTION_ERROR";
    public const string AuthenticationFailed = "AUTHENTICATION_FAILED";
    public const string Destination4xx = "DESTINATION_4XX";
    public const string Destination5xx = "DESTINATION_5XX";
    public const string UnexpectedStatus = "UNEXPECTED_STATUS";
    public const string CircuitOpen = "CIRCUIT_OPEN";
    public const string SsrfBlocked = "SSRF_BLOCKED";
    public const string Throttled = "DESTINATION_THROTTLED";
    public const string DestinationDeleted = "DESTINATION_DELETED";
    public const string DistributionNotFound = "DISTRIBUTION_NOT_FOUND";
}
