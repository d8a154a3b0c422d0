using System.Net;
using Microsoft.Extensions.Options;

namespace ServiceDefaults.Streaming;

/// <summary>
/// Puts every response body read of its client under two timers that fire on their own while a read is blocked:
/// the client's idle bound (<see cref="ReadWatchdogOptions.IdleTimeout"/>) and the caller's token bound with
/// <see cref="ReadWatchdog.Bind"/> when the request was sent. Either one cancels the read, which makes the socket
/// handler close the connection: a server that stops mid-body cannot hold a caller, a worker slot or a connection.
/// </summary>
public sealed class ReadWatchdogHandler(IOptionsMonitor<ReadWatchdogOptions> options, string clientName) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var bound = ReadWatchdog.Current;
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Content is { } content)
        {
            var settings = options.Get(clientName);
            response.Content = new WatchdogContent(content, bound, settings.IdleTimeout, settings.MaxResponseBytes,
                request.RequestUri?.Authority ?? clientName);
        }

        return response;
    }

    /// <summary>The original content, read through a <see cref="WatchdogStream"/>; headers are kept.</summary>
    private sealed class WatchdogContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly CancellationToken _bound;
        private readonly TimeSpan _idle;
        private readonly long _maxBytes;
        private readonly string _peer;

        public WatchdogContent(HttpContent inner, CancellationToken bound, TimeSpan idle, long maxBytes, string peer)
        {
            _inner = inner;
            _bound = bound;
            _idle = idle;
            _maxBytes = maxBytes;
            _peer = peer;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new WatchdogStream(await _inner.ReadAsStreamAsync(cancellationToken), _bound, _idle, _peer, _maxBytes);

        // why: the token-less overload; every read of the stream is still bounded by the idle timer and the bound token
        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override Stream CreateContentReadStream(CancellationToken cancellationToken) =>
            new WatchdogStream(_inner.ReadAsStream(cancellationToken), _bound, _idle, _peer, _maxBytes);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var source = await CreateContentReadStreamAsync(cancellationToken);
            await source.CopyToAsync(stream, cancellationToken);
        }

        // why: the token-less overload; every read is still bounded by the idle timer and the bound token
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, default);

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.Headers.ContentLength ?? 0;
            return _inner.Headers.ContentLength is not null;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
