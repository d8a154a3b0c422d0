using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;

namespace EvaluationService.Auth;

/// <summary>
/// Bearer tokens for EvaluationService's calls to other services (ChatService, DistributorService), configured per client
/// by a named <see cref="ServiceAuthOptions"/>. Development mints one with the shared signing key; production configures
/// a client-credentials token.
/// </summary>
public sealed class ServiceTokenProvider(IOptionsMonitor<ServiceAuthOptions> auth, IOptions<JwtOptions> jwt)
{
    /// <summary>The roles a minted token for <paramref name="client"/> carries (see <see cref="ServiceAuthOptions.Roles"/>).</summary>
    public static string[] RolesOf(string client, ServiceAuthOptions options) =>
        options.Roles ?? (client == ServiceAuthOptions.Distributor ? [AuthRoles.Publisher] : []);

    /// <summary>The token for <paramref name="client"/>; a minted one has <paramref name="subject"/> (default: the configured subject) as <c>sub</c>.</summary>
    public string? TokenFor(string client, string? subject = null)
    {
        var options = auth.Get(client);
        return options.Mode switch
        {
            ServiceAuthMode.None => null,
            ServiceAuthMode.StaticToken => options.Token,
            _ when string.IsNullOrEmpty(jwt.Value.SigningKey) => throw new InvalidOperationException(
                $"{ServiceAuthOptions.SectionFor(client)}:Mode is DevSigningKey but Auth:SigningKey is not set; configure Mode=StaticToken with a client-credentials token."),
            _ => DevTokenIssuer.Mint(jwt.Value.SigningKey!, subject ?? options.Subject, RolesOf(client, options), jwt.Value.Issuer,
                jwt.Value.Audience, options.TokenLifetime),
        };
    }
}
