using System.ComponentModel.DataAnnotations;

namespace ServiceDefaults.Auth;

/// <summary>
/// JWT bearer settings (section <c>Auth</c>). Production sets <see cref="Authority"/> (an OpenID Connect issuer);
/// local runs and tests set <see cref="SigningKey"/>, a symmetric development key (at least 32 bytes).
/// </summary>
public sealed class JwtOptions : IValidatableObject
{
    public const string Section = "Auth";

    public string? Authority { get; set; }

    public string? SigningKey { get; set; }

    [Required]
    public string Issuer { get; set; } = "aspire-chat-dev";

    [Required]
    public string Audience { get; set; } = "aspire-chat";

    public bool RequireHttpsMetadata { get; set; } = true;

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
