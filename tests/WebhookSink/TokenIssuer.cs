using System.Collections.Concurrent;

namespace WebhookSink;

/// <summary>Access tokens issued by the OAuth2 client-credentials endpoint, and the checks protected paths make.</summary>
internal sealed class TokenIssuer(WebhookSinkOptions options, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> expiries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> issued = new();
    private readonly ConcurrentDictionary<string, byte> rejectOnce = new(StringComparer.Ordinal);
    private int sequence;

    public IReadOnlyList<string> Issued => [.. issued];

    public bool IsClient(string? clientId, string? clientSecret) =>
        clientId == options.OAuthClientId && clientSecret == options.OAuthClientSecret;

    public string Issue()
    {
        var token = $"sink-token-{Interlocked.Increment(ref sequence)}-{Guid.NewGuid():N}";
        expiries[token] = timeProvider.GetUtcNow().AddSeconds(options.TokenExpiresInSeconds);
        issued.Enqueue(token);
        return token;
    }

    /// <summary>True when the token was issued here, has not expired, and is not marked for one rejection.</summary>
    public bool Accepts(string? token) =>
        token is not null
        && !rejectOnce.TryRemove(token, out _)
        && expiries.TryGetValue(token, out var expiry)
        && expiry > timeProvider.GetUtcNow();

    public void RejectOnce(string token) => rejectOnce[token] = 0;

    public void RevokeAll() => expiries.Clear();

    public void Reset()
    {
        expiries.Clear();
        issued.Clear();
        rejectOnce.Clear();
    }
}
