using System.ComponentModel.DataAnnotations;
using Polly.CircuitBreaker;

namespace ServiceDefaults.Resilience;

/// <summary>
/// Settings of one named circuit breaker, the same shape in every service (<c>…:Breaker:FailureRatio</c>,
/// <c>MinimumThroughput</c>, <c>SamplingDuration</c>, <c>BreakDuration</c>); a service sets its own defaults where it
/// declares the property. Mapped to Polly in one place (<see cref="ApplyTo{T}"/>, used by
/// <see cref="CircuitBreakerRegistry"/>'s <c>AddNamedCircuitBreaker(pipeline, name, breaker, strategy)</c>).
/// </summary>
public sealed class BreakerOptions
{
    /// <summary>Share of failed calls within <see cref="SamplingDuration"/> that opens the breaker.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Calls within <see cref="SamplingDuration"/> before the ratio counts.</summary>
    [Range(2, 10_000)]
    public int MinimumThroughput { get; set; } = 4;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the breaker stays open before it lets a trial call through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The one mapping to Polly: sets the four values on <paramref name="strategy"/> (its predicate stays).</summary>
    public CircuitBreakerStrategyOptions<T> ApplyTo<T>(CircuitBreakerStrategyOptions<T> strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        strategy.FailureRatio = FailureRatio;
        strategy.MinimumThroughput = MinimumThroughput;
        strategy.SamplingDuration = SamplingDuration;
        strategy.BreakDuration = BreakDuration;
        return strategy;
    }
}
