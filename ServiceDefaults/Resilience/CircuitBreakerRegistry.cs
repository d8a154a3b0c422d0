using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;

namespace ServiceDefaults.Resilience;

/// <summary>
/// Every named circuit breaker of the service: a state provider to observe it and a manual control to isolate
/// or reset it from the admin API. A breaker is added to a pipeline through <see cref="AddNamedCircuitBreaker{T}"/>.
/// </summary>
public sealed class CircuitBreakerRegistry
{
    private readonly ConcurrentDictionary<string, NamedCircuitBreaker> _breakers = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<NamedCircuitBreaker> All => _breakers.Values.OrderBy(b => b.Name).ToArray();

    public NamedCircuitBreaker? Find(string name) => _breakers.GetValueOrDefault(name);

    /// <summary>Returns the handles of <paramref name="name"/>, creating them on first use.</summary>
    public NamedCircuitBreaker GetOrAdd(string name) => _breakers.GetOrAdd(name, n => new NamedCircuitBreaker(n));

    public bool Remove(string name) => _breakers.TryRemove(name, out _);

    /// <summary>
    /// Adds a circuit breaker named <paramref name="name"/> whose state the registry can see and control. Safe to call
    /// more than once for the same name (a pipeline rebuilt, or built twice by racing first calls).
    /// </summary>
    public ResiliencePipelineBuilder<T> AddNamedCircuitBreaker<T>(ResiliencePipelineBuilder<T> pipeline, string name,
        CircuitBreakerStrategyOptions<T> options)
    {
        options.Name = name;
        GetOrAdd(name).Observe(options);
        return pipeline.AddCircuitBreaker(options);
    }

    /// <inheritdoc cref="AddNamedCircuitBreaker{T}(ResiliencePipelineBuilder{T}, string, CircuitBreakerStrategyOptions{T})"/>
    public ResiliencePipelineBuilder AddNamedCircuitBreaker(ResiliencePipelineBuilder pipeline, string name,
        CircuitBreakerStrategyOptions options)
    {
        options.Name = name;
        GetOrAdd(name).Observe(options);
        return pipeline.AddCircuitBreaker(options);
    }

    /// <summary>
    /// A named circuit breaker configured from <paramref name="breaker"/>; <paramref name="strategy"/> gives its predicate.
    /// </summary>
    public ResiliencePipelineBuilder<T> AddNamedCircuitBreaker<T>(ResiliencePipelineBuilder<T> pipeline, string name,
        BreakerOptions breaker, CircuitBreakerStrategyOptions<T> strategy)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        return AddNamedCircuitBreaker(pipeline, name, breaker.ApplyTo(strategy));
    }

    /// <inheritdoc
    ///     cref="AddNamedCircuitBreaker{T}(ResiliencePipelineBuilder{T}, string, BreakerOptions, CircuitBreakerStrategyOptions{T})"/>
    public ResiliencePipelineBuilder AddNamedCircuitBreaker(ResiliencePipelineBuilder pipeline, string name, BreakerOptions breaker,
        CircuitBreakerStrategyOptions strategy)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        breaker.ApplyTo(strategy);
        return AddNamedCircuitBreaker(pipeline, name, strategy);
    }
}
