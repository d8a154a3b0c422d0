using Polly.CircuitBreaker;

namespace ServiceDefaults.Resilience;

/// <summary>The observation and control handles of one named breaker.</summary>
public sealed class NamedCircuitBreaker(string name)
{
    public string Name { get; } = name;

    public CircuitBreakerStateProvider StateProvider { get; } = new();

    public CircuitBreakerManualControl ManualControl { get; } = new();

    /// <summary>Closed, Open, HalfOpen or Isolated (Closed until a pipeline using it has been built).</summary>
    public string State => StateProvider.CircuitState.ToString();
}
