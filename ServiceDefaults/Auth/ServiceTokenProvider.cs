using Microsoft.Extensions.Options;

namespace ServiceDefaults.Auth;

/// <summary>
/// Bearer tokens for a service's calls to other services, configured per client by a named <see cref="ServiceAuthOptions"/>
/// (registered with <see cref="ServiceTokenRegistration.AddServiceToken"/>). Development mints them with the shared signing
/// key: as the service itself (<c>sub</c> = its identity, its roles) or, for a call made on a user's behalf, as a delegated
/// token (<c>sub</c> = the user, <c>act.sub</c> = the service, no role), which the called service accepts only when it lists
/// the service in <c>Auth:AllowedActors</c>. Production configures client-credentials tokens (<c>StaticToken</c>).
/// </summary>
public sealed class ServiceTokenProvider(IOptionsMonitor<ServiceAuthOptions> auth, IOptions<JwtOptions> jwt)
{
    /// <summary>The token for <paramref name="client"/> as the calling service itself.</summary>
    public string? TokenFor(string client) => Token(client, onBehalfOf: null);

    /// <summary>The token for <paramref name="client"/> acting for <paramref name="userId"/> (a delegated token when minted).</summary>
    public string? TokenFor(string client, string userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        return Token(client, userId);
    }

    private string? Token(string client, string? onBehalfOf)
    {
        var options = auth.Get(client);
        if (options.Mode == ServiceAuthMode.None)
        {
            return null;
        }

        if (options.Mode == ServiceAuthMode.StaticToken)
        {
            return options.Token;
        }

        var key = jwt.Value.SigningKey ?? throw new InvalidOperationException(
            $"The '{client}' service token is DevSigningKey but Auth:SigningKey is not set; configure Mode=StaticToken with a " +
            $"client-credentials token.");
        var lifetime = options.TokenLifetime!.Value;
        return onBehalfOf is null
            ? DevTokenIssuer.Mint(key, options.Subject!, options.Roles!, jwt.Value.Issuer, options.Audience!, lifetime)
            : DevTokenIssuer.MintDelegated(key, onBehalfOf, options.Subject!, jwt.Value.Issuer, options.Audience!, lifetime);
    }
}
