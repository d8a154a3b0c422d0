using System.Security.Cryptography;
using System.Text;
using DistributorService.Options;
using Microsoft.Extensions.Options;

namespace DistributorService.Destinations;

/// <summary>
/// Encrypts destination secrets at rest with AES-256-GCM under a key from configuration, so every instance
/// (and a restored backup) can decrypt without a shared key ring. Format: <c>v1.&lt;key id&gt;.&lt;base64 nonce|cipher|tag&gt;</c>.
/// </summary>
public sealed class SecretProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _currentKey;
    private readonly string _currentKeyId;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    public SecretProtector(IOptions<DistributorOptions> options)
    {
        var secrets = options.Value.Secrets;
        _currentKey = ParseKey(secrets.EncryptionKey, "Distributor:Secrets:EncryptionKey");
        _currentKeyId = KeyId(_currentKey);
        _keys[_currentKeyId] = _currentKey;
        foreach (var previous in secrets.PreviousKeys)
        {
            var key = ParseKey(previous, "Distributor:Secrets:PreviousKeys");
            _keys.TryAdd(KeyId(key), key);
        }
    }

    public string? Protect(string? plaintext)
    {
        if (string.IsNullOrEmpty(plaintext))
        {
            return null;
        }

        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_currentKey, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length, TagSize),
            Encoding.UTF8.GetBytes(_currentKeyId));
        return $"v1.{_currentKeyId}.{Convert.ToBase64String(output)}";
    }

    public string? Unprotect(string? protectedValue)
    {
        if (string.IsNullOrEmpty(protectedValue))
        {
            return null;
        }

        var parts = protectedValue.Split('.', 3);
        if (parts.Length != 3 || parts[0] != "v1" || !_keys.TryGetValue(parts[1], out var key))
        {
            throw new CryptographicException("A destination secret was encrypted with an unknown key.");
        }

        var data = Convert.FromBase64String(parts[2]);
        var length = data.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize, length), data.AsSpan(NonceSize + length, TagSize), plain,
            Encoding.UTF8.GetBytes(parts[1]));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>
    /// Base64 of 32 bytes is used as the key itself. Any other value of at least 32 characters is treated as a
    /// high-entropy passphrase (such as the secret parameter the AppHost generates) and hashed to the key with SHA-256.
    /// </summary>
    private static byte[] ParseKey(string value, string setting)
    {
        Span<byte> decoded = stackalloc byte[64];
        if (Convert.TryFromBase64String(value, decoded, out var written) && written == 32)
        {
            return decoded[..32].ToArray();
        }

        return value.Length >= 32
            ? SHA256.HashData(Encoding.UTF8.GetBytes(value))
            : throw new InvalidOperationException($"{setting} must be base64 of 32 bytes or a secret of at least 32 characters.");
    }

    private static string KeyId(byte[] key) => Convert.ToHexString(SHA256.HashData(key), 0, 4).ToLowerInvariant();
}
