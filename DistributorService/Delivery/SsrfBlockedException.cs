namespace DistributorService.Delivery;

/// <summary>Raised inside the connect callback when the resolved address of a destination is refused.</summary>
public sealed class SsrfBlockedException(string message) : Exception(message);
