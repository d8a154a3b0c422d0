namespace DistributorService.Destinations;

/// <summary>A destination as the API returns it: secrets are never included, only whether they are set.</summary>
public sealed record DestinationView(
    Guid Id,
    string Name,
    string Url,
    string[] EventTypes,
    bool Enabled,
    bool Paused,
    DestinationAuthView Auth,
    bool HasSigningSecret,
    int TimeoutSeconds,
    int MaxAttempts,
    BackoffSettings Backoff,
    int MaxConcurrency,
    double? RateLimitPerSecond,
    BatchSettings? Batch,
    string? HealthUrl,
    DestinationHealthView Health,
    string? DisabledReason,
    string CircuitState,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
