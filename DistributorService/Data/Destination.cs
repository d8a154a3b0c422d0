namespace DistributorService.Data;

/// <summary>An endpoint that receives events. Secrets are stored only in their encrypted form (<c>*Protected</c>).</summary>
public sealed class Destination
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Url { get; set; }
    public string[] EventTypes { get; set; } = [];
    public bool Enabled { get; set; } = true;
    public bool Paused { get; set; }
    public string AuthType { get; set; } = DestinationAuthTypes.None;
    public string? AuthTokenProtected { get; set; }
    public string? TokenUrl { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecretProtected { get; set; }
    public string? Scope { get; set; }
    public string? SigningSecretProtected { get; set; }
    public int TimeoutSeconds { get; set; }
    public int MaxAttempts { get; set; }
    public double BackoffInitialSeconds { get; set; }
    public double BackoffMultiplier { get; set; }
    public double BackoffMaxSeconds { get; set; }
    public int MaxConcurrency { get; set; }
    public double? RateLimitPerSecond { get; set; }
    public int? BatchMaxSize { get; set; }
    public int? BatchMaxWaitMs { get; set; }
    public string? HealthUrl { get; set; }
    public string HealthStatus { get; set; } = DestinationHealthStatus.Healthy;
    public DateTimeOffset? LastHealthCheckAt { get; set; }
    public DateTimeOffset? UnhealthySince { get; set; }
    public string? DisabledReason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Changes on every update: cached per-destination clients and pipelines are rebuilt when it moves.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
}
