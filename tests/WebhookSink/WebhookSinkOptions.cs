namespace WebhookSink;

/// <summary>
/// Fixed settings of a sink. In standalone mode they come from the <c>Sink</c> configuration section
/// (<c>--Sink:OAuthClientSecret=...</c>).
/// </summary>
public sealed record WebhookSinkOptions
{
    public const string SectionName = "Sink";

    /// <summary>Client accepted by <c>POST /oauth/token</c> (client_credentials, form fields or HTTP Basic).</summary>
    public string OAuthClientId { get; init; } = "sink-client";

    public string OAuthClientSecret { get; init; } = "sink-secret";

    /// <summary>Lifetime of issued access tokens; an expired token gets 401 on protected paths.</summary>
    public int TokenExpiresInSeconds { get; init; } = 3600;

    /// <summary>
    /// When above 0, a successful token response carries a <c>padding</c> string of this many bytes, streamed in chunks
    /// without a Content-Length (a hostile or broken token endpoint; clients must stop reading at their cap).
    /// </summary>
    public long TokenResponsePaddingBytes { get; init; }
}
