using EvaluationService.Options;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;

namespace EvaluationService.Chat;

/// <summary>
/// The bearer token for calls to ChatService on behalf of a run's owner. Development mints one with the shared
/// signing key (so ChatService sees the owner's documents); production configures a client-credentials token.
/// </summary>
public sealed class ChatTokenProvider(IOptions<ChatAuthOptions> auth, IOptions<JwtOptions> jwt)
{
    public string? TokenFor(string owner)
    {
        var options = auth.Value;
        return options.Mode switch
        {
            ChatAuthMode.None => null,
            ChatAuthMode.StaticToken => options.Token,
            _ when string.IsNullOrEmpty(jwt.Value.SigningKey) => throw new InvalidOperationException(
                "Evaluation:ChatAuth:Mode is DevSigningKey but Auth:SigningKey is not set; configure Evaluation:ChatAuth:Mode=StaticToken with a client-credentials token."),
            _ => DevTokenIssuer.Mint(jwt.Value.SigningKey!, owner, admin: false, jwt.Value.Issuer, jwt.Value.Audience, options.TokenLifetime),
        };
    }
}
