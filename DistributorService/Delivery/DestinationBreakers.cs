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
/// one failing destination never opens another's breaker.
/// </summary>
public sealed class DestinationBreakers(CircuitBreakerRegistry registry, IOptions<DistributorOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, Lazy<ResiliencePipeline<DeliveryOutcome>>> _pipelines = new();

    public static string NameOf(Guid destinationId) => $"destination:{destinationId}";

    public ResiliencePipeline<DeliveryOutcome> For(Guid destinationId) =>
        _pipelines.GetOrAdd(destinationId, id => new Lazy<ResiliencePipeline<DeliveryOutcome>>(() => Build(id))).Value;

    public void Forget(Guid destinationId)
    {
        if (_pipelines.TryRemove(destinationId, out _))
        {
            registry.Remove(NameOf(destinationId));
        }
    }

    private ResiliencePipeline<DeliveryOutcome> Build(Guid destinationId)
    {
        var breaker = options.Value.Breaker;
        var builder = new ResiliencePipelineBuilder<DeliveryOutcome> { TimeProvider = time };
        registry.AddNamedCircuitBreaker(builder, NameOf(destinationId), breaker, new CircuitBreakerStrategyOptions<DeliveryOutcome>
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { IsTransientFailure: true }), // why: Polly's outcome value, not Task.Result
        });
        return builder.Build();
    }
}
