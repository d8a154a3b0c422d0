namespace WebhookSink;

/// <summary>A behaviour plus the attempts it has answered, so "succeed after N failures" restarts when it is replaced.</summary>
internal sealed class BehaviorRule(SinkBehavior behavior)
{
    private int attempts;

    public SinkBehavior Behavior { get; } = behavior;

    /// <summary>The status for the next attempt (1-based attempt count).</summary>
    public int NextStatus() =>
        Interlocked.Increment(ref attempts) <= Behavior.FailuresBeforeSuccess ? Behavior.FailureStatus : Behavior.Status;
}
