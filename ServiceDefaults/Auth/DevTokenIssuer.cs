using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDefaults.Auth;

/// <summary>Mints tokens signed with the development key, for local runs, tests and the token tool.</summary>
public static class DevTokenIssuer
{
    public static string Mint(string signingKey, string userId, bool admin, string issuer, string audience, TimeSpan lifetime) =>
        Mint(signingKey, userId, admin ? [AuthRoles.Admin] : [], issuer, audience, lifetime);

    /// <summary>A token for <paramref name="userId"/> with the given <c>role</c> claims.</summary>
    public static string Mint(string signingKey, string userId, IEnumerable<string> roles, string issuer, string audience, TimeSpan lifetime)
    {
        var claims = new List<Claim> { new("sub", userId), new("name", userId) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        return Mint(signingKey, claims, issuer, audience, lifetime);
    }

    /// <summary>A token with exactly <paramref name="claims"/> (tests use it for tokens that lack a claim).</summary>
    public static string Mint(string signingKey, IEnumerable<Claim> claims, string issuer, string audience, TimeSpan lifetime)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = issuer,
            Audience = audience,
            NotBefore = now.AddMinutes(-1),
            IssuedAt = now,
            Expires = now.Add(lifetime),
            SigningCredentials = new SigningCredentials(SigningKeyFrom(signingKey), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    public static SymmetricSecurityKey SigningKeyFrom(string signingKey) => new(Encoding.UTF8.GetBytes(signingKey));
}
