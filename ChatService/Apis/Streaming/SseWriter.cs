using System.Text;
using System.Text.Json;

namespace ChatService.Apis.Streaming;

/// <summary>
/// Writes server-sent events, starting the response (200, <c>text/event-stream</c>) only at the first event, so an
/// error found before anything was streamed can still be answered as a problem detail with its own status.
/// </summary>
public sealed class SseWriter(HttpResponse response)
{
    public bool Started { get; private set; }

    public async ValueTask WriteAsync(string eventName, object data, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        var json = JsonSerializer.Serialize(data, JsonSerializerOptions.Web);
        await response.WriteAsync($"event: {eventName}\ndata: {json}\n\n", Encoding.UTF8, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>A comment line: keeps idle connections open and reveals a gone client.</summary>
    public async ValueTask CommentAsync(string text, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        await response.WriteAsync($": {text}\n\n", Encoding.UTF8, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (Started)
        {
            return;
        }

        Started = true;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.FlushAsync(cancellationToken);
    }

    public static bool Accepts(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase));
}
