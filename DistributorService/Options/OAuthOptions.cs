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
}
