using DistributorService.Data;
using DistributorService.Destinations;

namespace DistributorService.Delivery;

/// <summary>A destination with its secrets decrypted, for the duration of one attempt. Never logged or serialised.</summary>
public sealed class DeliveryTarget
{
    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public required Uri Url { get; init; }
    public required DateTimeOffset Version { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required string AuthType { get; init; }
    public string? BearerToken { get; init; }
    public Uri? TokenUrl { get; init; }
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public string? Scope { get; init; }
    public byte[]? SigningKey { get; init; }
    public required int MaxConcurrency { get; init; }
    public double? RateLimitPerSecond { get; init; }
    public int? BatchMaxSize { get; init; }
    public int? BatchMaxWaitMs { get; init; }
    public required double BackoffInitialSeconds { get; init; }
    public required double BackoffMultiplier { get; init; }
    public required double BackoffMaxSeconds { get; init; }

    public static DeliveryTarget From(Destination d, SecretProtector secrets)
    {
        byte[]? signingKey = null;
        if (secrets.Unprotect(d.SigningSecretProtected) is { } signing && WebhookSigner.TryParseSecret(signing, out var key))
        {
            signingKey = key;
        }

        return new DeliveryTarget
        {
            Id = d.Id,
            Name = d.Name,
            Url = new Uri(d.Url),
            Version = d.UpdatedAt,
            Timeout = TimeSpan.FromSeconds(d.TimeoutSeconds),
            AuthType = d.AuthType,
            BearerToken = secrets.Unprotect(d.AuthTokenProtected),
            TokenUrl = d.TokenUrl is null ? null : new Uri(d.TokenUrl),
            ClientId = d.ClientId,
            ClientSecret = secrets.Unprotect(d.ClientSecretProtected),
            Scope = d.Scope,
            SigningKey = signingKey,
            MaxConcurrency = d.MaxConcurrency,
            RateLimitPerSecond = d.RateLimitPerSecond,
            BatchMaxSize = d.BatchMaxSize,
            BatchMaxWaitMs = d.BatchMaxWaitMs,
            BackoffInitialSeconds = d.BackoffInitialSeconds,
            BackoffMultiplier = d.BackoffMultiplier,
            BackoffMaxSeconds = d.BackoffMaxSeconds,
        };
    }
}
