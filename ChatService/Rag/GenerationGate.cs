using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ChatService.Rag;

/// <summary>
/// Load shedding: at most <see cref="ChatLimitsOptions.MaxConcurrentGenerations"/> chats generate at once, a bounded
/// number wait at most <see cref="ChatLimitsOptions.QueueWait"/>, the rest are refused with Retry-After. Saturation is
/// visible: <see cref="Snapshot"/> (for the refusal, <c>/health/detailed</c>) and the gauges
/// <c>chat_generations_in_use</c>, <c>chat_generation_slots</c> and <c>chat_generation_oldest_age_seconds</c>.
/// </summary>
public sealed class GenerationGate : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly ChatLimitsOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Slot, long> _held = new();

    public GenerationGate(IOptions<ChatLimitsOptions> options, TimeProvider time, IMeterFactory meters)
    {
        _options = options.Value;
        _time = time;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.MaxConcurrentGenerations,
            QueueLimit = _options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        var meter = meters.Create("ChatService");
        meter.CreateObservableGauge("chat.generations.in_use", () => _held.Count, description: "Generation slots held now");
        meter.CreateObservableGauge("chat.generation.slots", () => _options.MaxConcurrentGenerations,
            description: "Generation slots of this replica");
        meter.CreateObservableGauge("chat.generation.oldest_age", () => Snapshot().OldestAge.TotalSeconds, unit: "s",
            description: "Age of the oldest generation holding a slot (0 when none)");
    }

    /// <summary>A slot to dispose when the generation ends, or null when refused.</summary>
    public async Task<IDisposable?> TryEnterAsync(CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(_options.QueueWait);
        try
        {
            var lease = await _limiter.AcquireAsync(1, wait.Token);
            if (lease.IsAcquired)
            {
                var slot = new Slot(this, lease);
                _held[slot] = _time.GetTimestamp();
                return slot;
            }

            lease.Dispose();
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Slots held, the limit, requests waiting and the age of the oldest generation.</summary>
    public GenerationSaturation Snapshot()
    {
        var oldest = TimeSpan.Zero;
        foreach (var started in _held.Values)
        {
            var age = _time.GetElapsedTime(started);
            oldest = age > oldest ? age : oldest;
        }

        return new GenerationSaturation(_held.Count, _options.MaxConcurrentGenerations,
            (int)(_limiter.GetStatistics()?.CurrentQueuedCount ?? 0), oldest);
    }

    public void Dispose() => _limiter.Dispose();

    private sealed class Slot(GenerationGate gate, RateLimitLease lease) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gate._held.TryRemove(this, out _);
                lease.Dispose();
            }
        }
    }
}

/// <summary>What the generation slots look like now.</summary>
public sealed record GenerationSaturation(int InUse, int Limit, int Queued, TimeSpan OldestAge)
{
    public bool Saturated => InUse >= Limit;

    /// <summary>The sentence a refused caller reads (the chat API's 429 and the OpenAI-compatible one).</summary>
    public string Describe() =>
        $"All generation slots are busy: {InUse} of {Limit} generation slots in use, {Queued} waiting; "
        + $"the oldest generation has run {OldestAge.TotalSeconds:0} s. Retry later.";
}
