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
}
