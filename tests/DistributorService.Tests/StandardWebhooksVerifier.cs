using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DistributorService.Tests;

/// <summary>
/// An independent implementation of the Standard Webhooks verification (standardwebhooks.com): it shares no code
/// with the product's signer. Signed content is the UTF-8 string "{webhook-id}.{webhook-timestamp}.{body}";
/// the header holds space-separated "v1,&lt;base64&gt;" signatures; the secret is "whsec_" + base64 key.
/// </summary>
internal static class StandardWebhooksVerifier
{
    public static bool Verify(string secret, string? id, string? timestamp, string? signatureHeader, string body, DateTimeOffset now,
        TimeSpan tolerance)
    {
        if (id is null || timestamp is null || signatureHeader is null || !secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            return false;
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return false;
        }

        using var hmac = new HMACSHA256(Convert.FromBase64String(secret.Substring(6)));
        var expected = hmac.ComputeHash(Encoding.UTF8.GetBytes(id + "." + timestamp + "." + body));
        foreach (var candidate in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = candidate.IndexOf(',');
            if (comma < 0 || candidate.Substring(0, comma) != "v1")
            {
                continue;
            }

            byte[] given;
            try
            {
                given = Convert.FromBase64String(candidate.Substring(comma + 1));
            }
            catch (FormatException)
            {
                continue;
            }

            if (CryptographicOperations.FixedTimeEquals(given, expected))
            {
                return true;
            }
        }

        return false;
    }
}
