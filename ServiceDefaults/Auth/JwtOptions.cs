using System.ComponentModel.DataAnnotations;

namespace ServiceDefaults.Auth;

/// <summary>
/// JWT bearer settings (section <c>Auth</c>). Production sets <see cref="Authority"/> (an OpenID Connect issuer);
/// local runs and tests set <see cref="SigningKey"/>, a symmetric development key (at least 32 bytes), which is refused
/// outside the Development environment unless <see cref="AllowSigningKeyOutsideDevelopment"/> is set.
/// </summary>
public sealed class JwtOptions : IValidatableObject
{
    public const string Section = "Auth";

    public string? Authority { get; set; }

    public string? SigningKey { get; set; }

    /// <summary>
    /// Accept <see cref="SigningKey"/> in an environment other than Development (tests, a staging box without an identity
    /// provider). Off by default; when on, the service logs a warning at start.
    /// </summary>
    public bool AllowSigningKeyOutsideDevelopment { get; set; }

    [Required]
    public string Issuer { get; set; } = "aspire-chat-dev";

    /// <summary>
    /// This service's own audience: a token is accepted only when its <c>aud</c> (a string or an array) contains it, so a token
    /// for one service is not a token for another. No default here: each service's appsettings.json sets its own
    /// (<c>chatservice</c>, <c>evaluationservice</c>, <c>distributorservice</c>, see <see cref="ServiceAudiences"/>).
    /// </summary>
    [Required]
    public string? Audience { get; set; }

    /// <summary>
    /// Subjects that may act for a user with a delegated token (RFC 8693 <c>act</c> claim: <c>sub</c> = the user,
    /// <c>act.sub</c> = the actor). A token with an <c>act</c> claim whose actor is not listed, or that carries roles, is
    /// refused (401). Empty by default: no delegation. ChatService lists <c>evaluationservice</c>.
    /// </summary>
    public string[] AllowedActors { get; set; } = [];

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>True when tokens are validated with the symmetric <see cref="SigningKey"/> (no <see cref="Authority"/>).</summary>
    public bool UsesSigningKey => string.IsNullOrEmpty(Authority) && !string.IsNullOrEmpty(SigningKey);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Authority) && string.IsNullOrWhiteSpace(SigningKey))
        {
            yield return new ValidationResult("Set Auth:Authority (production) or Auth:SigningKey (development).",
                [nameof(Authority), nameof(SigningKey)]);
        }

        if (!string.IsNullOrEmpty(SigningKey) && SigningKey.Length < 32)
        {
            yield return new ValidationResult("Auth:SigningKey must be at least 32 characters.", [nameof(SigningKey)]);
        }
    }
}
