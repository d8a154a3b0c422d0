using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DistributorService.Delivery;

/// <summary>Standard Webhooks signatures: <c>v1,base64(HMAC-SHA256(secret, "{id}.{timestamp}.{body}"))</c>, secret
/// <c>whsec_&lt;base64&gt;</c>.</summary>
public static class WebhookSigner
{
    public const string SecretPrefix = "whsec_";

    public static bool TryParseSecret(string secret, out byte[] key)
    {
        key = [];
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        }
        catch (FormatException)
        {
            return false;
        }

        return key.Length >= 16;
    }

    public static string Sign(byte[] key, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{messageId}.{timestamp}."));
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }
}
