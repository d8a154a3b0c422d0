using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDefaults.Auth;

/// <summary>Mints tokens signed with the development key, for local runs, tests and the token tool.</summary>
public static class DevTokenIssuer
{
    public static string Mint(string signingKey, string userId, bool admin, string issuer, string audience, TimeSpan lifetime) =>
        Mint(signingKey, userId, admin ? [AuthRoles.Admin] : [], issuer, audience, lifetime);

    /// <summary>A token for <paramref name="userId"/> with the given <c>role</c> claims.</summary>
    public static string Mint(string signingKey, string userId, IEnumerable<string> roles, string issuer, string audience,
        TimeSpan lifetime)
    {
        var claims = new List<Claim> { new("sub", userId), new("name", userId) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        return Mint(signingKey, claims, issuer, audience, lifetime);
    }

    /// <summary>A token with exactly <paramref name="claims"/> (tests use it for tokens that lack a claim).</summary>
    public static string Mint(string signingKey, IEnumerable<Claim> claims, string issuer, string audience, TimeSpan lifetime) =>
        Mint(signingKey, claims, issuer, [audience], lifetime);

    /// <summary>
    /// A token for several APIs at once: <c>aud</c> is a JSON array when there is more than one (RFC 7519 4.1.3); each
    /// service accepts it because its own audience is among them.
    /// </summary>
    public static string Mint(string signingKey, IEnumerable<Claim> claims, string issuer, IReadOnlyCollection<string> audiences,
        TimeSpan lifetime, IReadOnlyDictionary<string, object>? jsonClaims = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = issuer,
            NotBefore = now.AddMinutes(-1),
            IssuedAt = now,
            Expires = now.Add(lifetime),
            SigningCredentials = new SigningCredentials(SigningKeyFrom(signingKey), SecurityAlgorithms.HmacSha256),
        };
        if (audiences.Count == 1)
        {
            descriptor.Audience = audiences.First();
        }
        else
        {
            foreach (var audience in audiences)
            {
                descriptor.Audiences.Add(audience);
            }
        }

        if (jsonClaims is not null)
        {
            descriptor.Claims = jsonClaims.ToDictionary(c => c.Key, c => c.Value);
        }

        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>
    /// A delegated token (RFC 8693 section 4.1): <c>sub</c> is <paramref name="userId"/>, the party acting for them is named in
    /// <c>act</c> (<c>{"sub": actor}</c>), and it carries no role: the actor gets the user's rights, never more. A service
    /// accepts it only when <paramref name="actor"/> is in its <c>Auth:AllowedActors</c>.
    /// </summary>
    public static string MintDelegated(string signingKey, string userId, string actor, string issuer, string audience, TimeSpan lifetime) =>
        Mint(signingKey, [new Claim("sub", userId), new Claim("name", userId)], issuer, [audience], lifetime,
            new Dictionary<string, object> { [ActorClaim] = new Dictionary<string, object> { ["sub"] = actor } });

    /// <summary>The RFC 8693 actor claim.</summary>
    public const string ActorClaim = "act";

    /// <summary>The current actor's subject (the outermost <c>act.sub</c>, RFC 8693 4.1) of a claim value, or null when it names
    /// none.</summary>
    public static string? ActorOf(string? actClaimValue)
    {
        if (string.IsNullOrWhiteSpace(actClaimValue))
        {
            return null;
        }

        try
        {
            using var act = JsonDocument.Parse(actClaimValue);
            return act.RootElement.ValueKind == JsonValueKind.Object && act.RootElement.TryGetProperty("sub", out var sub)
                   && sub.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(sub.GetString())
                ? sub.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static SymmetricSecurityKey SigningKeyFrom(string signingKey) => new(Encoding.UTF8.GetBytes(signingKey));
}
