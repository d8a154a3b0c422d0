using System.ComponentModel.DataAnnotations;

namespace ServiceDefaults.Streaming;

/// <summary>
/// The bound on each read of a response body of one named HttpClient (named options: the client's name). Every
/// <c>IHttpClientFactory</c> client gets <see cref="ReadWatchdogHandler"/>; a client whose reads may legitimately wait
/// longer (a model between two tokens) configures its own value with
/// <c>services.Configure&lt;ReadWatchdogOptions&gt;(clientName, o =&gt; o.IdleTimeout = …)</c>.
/// </summary>
public sealed class ReadWatchdogOptions
{
    /// <summary>Longest wait for the next bytes of a response body; then the read fails and the connection is closed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most bytes read from one response body; the read past it fails with <see cref="Http.ResponseTooLargeException"/>
    /// (<c>RESPONSE_TOO_LARGE</c>) and the connection is closed, so a peer that streams without end (a model that never
    /// stops, a misbehaving server) cannot fill memory. Default 64 MiB for every client
    /// (<c>ServiceDefaults:MaxResponseBodyBytes</c>); a client with a tighter contract sets its own with
    /// <c>WithMaxResponseBytes</c>.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxResponseBytes { get; set; } = 64L * 1024 * 1024;
}
