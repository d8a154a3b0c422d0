using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using WebhookSink;

namespace SystemTests.Flows;

/// <summary>
/// An independent Standard Webhooks verifier (https://www.standardwebhooks.com): the key is the base64 after
/// <c>whsec_</c>; the signature is <c>v1,</c> + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"));
/// the header may carry several space-separated signatures; the timestamp must be within the tolerance.
/// Returns why the request fails verification, or null when it verifies.
/// </summary>
public static class StandardWebhookSignature
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string? Verify(RecordedRequest request, string signingSecret, DateTimeOffset now)
    {
        var id = request.Header("webhook-id");
        var timestamp = request.Header("webhook-timestamp");
        var signatures = request.Header("webhook-signature");
        if (id is null || timestamp is null || signatures is null)
        {
            return $"missing webhook-id/-timestamp/-signature headers: {string.Join(", ", request.Headers.Keys)}";
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return $"webhook-timestamp '{timestamp}' is not unix seconds";
        }

        var sentAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if ((now - sentAt).Duration() > Tolerance)
        {
            return $"webhook-timestamp {sentAt:O} is outside ±{Tolerance.TotalMinutes} min of {now:O}";
        }

        var key = Convert.FromBase64String(signingSecret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(request.BodyBytes).ToArray();
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
        var offered = signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return offered.Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(expected)))
            ? null
            : $"no signature in '{signatures}' matches the expected {expected}";
    }
}
