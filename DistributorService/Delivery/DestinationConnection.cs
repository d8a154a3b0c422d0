using System.Threading.RateLimiting;

namespace DistributorService.Delivery;

/// <summary>One destination's pooled connections and its concurrency limiter, for one version of its settings.</summary>
public sealed class DestinationConnection(
    DateTimeOffset version,
    SocketsHttpHandler handler,
    ConcurrencyLimiter concurrency) : IDisposable
{
    public DateTimeOffset Version { get; } = version;

    /// <summary>Shares the handler's connection pool; the per-attempt timeout comes from a cancellation token.</summary>
    public HttpMessageInvoker Invoker { get; } = new(handler, disposeHandler: false);

    public ConcurrencyLimiter Concurrency { get; } = concurrency;

    public void Dispose()
    {
        Invoker.Dispose();
        handler.Dispose();
        Concurrency.Dispose();
    }
}
