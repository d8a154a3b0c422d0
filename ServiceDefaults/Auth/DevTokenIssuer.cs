using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDefaults.Auth;

/// <summary>Mints tokens signed with the development key, for local runs, tests and the token tool.</summary>
public static class DevTokenIssuer
{
    public static string Mint(string signingKey, string userId, bool admin, string issuer, string audience, TimeSpan lifetime)
    {
        var claims = new List<Claim> { new("sub", userId), new("name", userId) };
        if (admin)
        {
            claims.Add(new Claim("role", "admin"));
        }

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
