using System.ComponentModel.DataAnnotations;

namespace DistributorService.Options;

/// <summary>OAuth2 client-credentials token handling.</summary>
public sealed class OAuthOptions
{
    /// <summary>A cached token is renewed this long before it expires.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Bound on one token request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan TokenTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Lifetime assumed when the token response has no <c>expires_in</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DefaultTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Largest token response read; a larger one fails the token request (not retried: the endpoint is misconfigured or
    /// hostile) without reading the rest. Token responses are a few hundred bytes to a few KiB (a JWT with many claims).
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxTokenResponseBytes { get; set; } = 64 * 1024;
}
