using System.ComponentModel.DataAnnotations;

namespace DistributorService.Options;

/// <summary>Encryption of destination secrets at rest (AES-256-GCM).</summary>
public sealed class SecretOptions
{
    /// <summary>Base64 of 32 random bytes, or a random secret of at least 32 characters (hashed to the key). Every instance must share it;
    /// rotate by adding the old one to <see cref="PreviousKeys"/>.</summary>
    [Required]
    public string EncryptionKey { get; set; } = "";

    /// <summary>Older keys still accepted for decryption (base64).</summary>
    public string[] PreviousKeys { get; set; } = [];
}
