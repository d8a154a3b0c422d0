using System.Threading.RateLimiting;

namespace DistributorService.Delivery;

/// <summary>One destination's pooled connections and its concurrency and rate limiters, for one version of its settings.</summary>
public sealed class DestinationConnection(
    DateTimeOffset version,
    SocketsHttpHandler handler,
    ConcurrencyLimiter concurrency,
    RateLimiter? rate) : IDisposable
{
    public DateTimeOffset Version { get; } = version;

    /// <summary>Shares the handler's connection pool; the per-attempt timeout comes from a cancellation token.</summary>
    public HttpMessageInvoker Invoker { get; } = new(handler, disposeHandler: false);

    public ConcurrencyLimiter Concurrency { get; } = concurrency;

    public RateLimiter? Rate { get; } = rate;

    public void Dispose()
    {
        Invoker.Dispose();
        handler.Dispose();
        Concurrency.Dispose();
        Rate?.Dispose();
    }
}
