using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ChatService.Rag;

/// <summary>
/// Load shedding: at most <see cref="ChatLimitsOptions.MaxConcurrentGenerations"/> chats generate at once, a bounded
/// number wait at most <see cref="ChatLimitsOptions.QueueWait"/>, the rest are refused with Retry-After.
/// </summary>
public sealed class GenerationGate : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly ChatLimitsOptions _options;

    public GenerationGate(IOptions<ChatLimitsOptions> options)
    {
        _options = options.Value;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.MaxConcurrentGenerations,
            QueueLimit = _options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>A lease to dispose when the generation ends, or null when refused.</summary>
    public async Task<RateLimitLease?> TryEnterAsync(CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(_options.QueueWait);
        try
        {
            var lease = await _limiter.AcquireAsync(1, wait.Token);
            if (lease.IsAcquired)
            {
                return lease;
            }

            lease.Dispose();
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public void Dispose() => _limiter.Dispose();
}
