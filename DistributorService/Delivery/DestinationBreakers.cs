using System.Collections.Concurrent;
using DistributorService.Options;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using ServiceDefaults.Resilience;

namespace DistributorService.Delivery;

/// <summary>
/// A circuit breaker per destination id, registered by name (<c>destination:{id}</c>) so it shows in
/// <c>/health/detailed</c> and can be isolated or reset from <c>/admin/circuit-breakers</c>. Built once per id:
/// one failing destination never opens another's breaker. Its minimum throughput is at most the destination's
/// <c>maxConcurrency</c> (and at least 2, Polly's floor): the first round of timeouts of a hanging destination (all its
/// connections timing out together) opens it, instead of the second round 30 s later.
/// </summary>
public sealed class DestinationBreakers(CircuitBreakerRegistry registry, IOptions<DistributorOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, (int MinimumThroughput, Lazy<ResiliencePipeline<DeliveryOutcome>> Pipeline)> _pipelines =
        new();

    public static string NameOf(Guid destinationId) => $"destination:{destinationId}";

    /// <summary>The breaker of a destination; rebuilt (closed) when its <c>maxConcurrency</c> changes its minimum throughput.</summary>
    public ResiliencePipeline<DeliveryOutcome> For(Guid destinationId, int maxConcurrency)
    {
        var minimum = MinimumThroughputFor(maxConcurrency);
        var entry = _pipelines.AddOrUpdate(destinationId,
            static (id, state) => (state.minimum, new Lazy<ResiliencePipeline<DeliveryOutcome>>(() => state.self.Build(id, state.minimum))),
            static (id, existing, state) => existing.MinimumThroughput == state.minimum
                ? existing
                : (state.minimum, new Lazy<ResiliencePipeline<DeliveryOutcome>>(() => state.self.Build(id, state.minimum))),
            (self: this, minimum));
        return entry.Pipeline.Value;
    }

    /// <summary>The configured minimum throughput, capped at what one round of the destination's connections can bring.</summary>
    public int MinimumThroughputFor(int maxConcurrency) =>
        Math.Clamp(maxConcurrency, 2, Math.Max(2, options.Value.Breaker.MinimumThroughput));

    public void Forget(Guid destinationId)
    {
        if (_pipelines.TryRemove(destinationId, out _))
        {
            registry.Remove(NameOf(destinationId));
        }
    }

    private ResiliencePipeline<DeliveryOutcome> Build(Guid destinationId, int minimumThroughput)
    {
        var configured = options.Value.Breaker;
        // why: one round of the destination's connections must be able to open it (MinimumThroughputFor)
        var breaker = new BreakerOptions
        {
            FailureRatio = configured.FailureRatio,
            MinimumThroughput = minimumThroughput,
            SamplingDuration = configured.SamplingDuration,
            BreakDuration = configured.BreakDuration,
        };
        var builder = new ResiliencePipelineBuilder<DeliveryOutcome> { TimeProvider = time };
        registry.AddNamedCircuitBreaker(builder, NameOf(destinationId), breaker, new CircuitBreakerStrategyOptions<DeliveryOutcome>
        {
            // why: Polly's outcome value, not Task.Result
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { IsTransientFailure: true }),
        });
        return builder.Build();
    }
}
