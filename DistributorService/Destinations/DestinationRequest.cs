namespace DistributorService.Destinations;

/// <summary>Body of <c>POST/PUT /api/destinations</c>. On PUT a secret left null keeps the stored one; an empty string removes it.</summary>
public sealed record DestinationRequest(
    string? Name,
    string? Url,
    string[]? EventTypes,
    bool? Enabled,
    DestinationAuthRequest? Auth,
    string? SigningSecret,
    int? TimeoutSeconds,
    int? MaxAttempts,
    BackoffSettings? Backoff,
    int? MaxConcurrency,
    double? RateLimitPerSecond,
    BatchSettings? Batch,
    string? HealthUrl);
