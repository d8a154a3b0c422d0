using System.ComponentModel.DataAnnotations;
namespace DistributorService.Destinations;

/// <summary>Body of <c>POST/PUT /api/destinations</c>. On PUT a secret left null keeps the stored one; an empty string removes
/// it.</summary>
public sealed record DestinationRequest(
    [MaxLength(200)] string? Name,
    [MaxLength(2048)] string? Url,
    string[]? EventTypes,
    bool? Enabled,
    DestinationAuthRequest? Auth,
    [MaxLength(1024)] string? SigningSecret,
    int? TimeoutSeconds,
    int? MaxAttempts,
    BackoffSettings? Backoff,
    int? MaxConcurrency,
    double? RateLimitPerSecond,
    BatchSettings? Batch,
    [MaxLength(2048)] string? HealthUrl);
