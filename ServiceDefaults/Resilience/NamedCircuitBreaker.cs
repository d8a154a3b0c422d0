using Polly.CircuitBreaker;

namespace ServiceDefaults.Resilience;

/// <summary>
/// The observation and control handles of one named breaker. The state is followed through the breaker's own
/// callbacks rather than a <see cref="CircuitBreakerStateProvider"/>: a state provider can be attached to one built
/// strategy only, and Polly's registry may build the same pipeline twice when two first calls race (it uses
/// <c>ConcurrentDictionary.GetOrAdd</c> with a factory), which then failed the losing call with
/// <see cref="InvalidOperationException"/>. The losing copy is never executed, so its callbacks never fire.
/// </summary>
public sealed class NamedCircuitBreaker(string name)
{
    private int _state = (int)CircuitState.Closed;

    public string Name { get; } = name;

    /// <summary>Shared by every strategy built with this name (Polly supports one control for several breakers).</summary>
    public CircuitBreakerManualControl ManualControl { get; } = new();

    public CircuitState CircuitState => (CircuitState)Volatile.Read(ref _state);

    /// <summary>Closed, Open, HalfOpen or Isolated (Closed until a pipeline using it has been built and used).</summary>
    public string State => CircuitState.ToString();

    /// <summary>Hooks this breaker's state into <paramref name="options"/>, keeping callbacks already set there.</summary>
    internal void Observe<T>(CircuitBreakerStrategyOptions<T> options)
    {
        var opened = options.OnOpened;
        var closed = options.OnClosed;
        var halfOpened = options.OnHalfOpened;
        options.ManualControl = ManualControl;
        options.OnOpened = args =>
        {
            Volatile.Write(ref _state, (int)(args.IsManual ? CircuitState.Isolated : CircuitState.Open));
            return opened?.Invoke(args) ?? ValueTask.CompletedTask;
        };
        options.OnClosed = args =>
        {
            Volatile.Write(ref _state, (int)CircuitState.Closed);
            return closed?.Invoke(args) ?? ValueTask.CompletedTask;
        };
        options.OnHalfOpened = args =>
        {
            Volatile.Write(ref _state, (int)CircuitState.HalfOpen);
            return halfOpened?.Invoke(args) ?? ValueTask.CompletedTask;
        };
    }
}
