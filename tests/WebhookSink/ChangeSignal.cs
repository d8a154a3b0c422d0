namespace WebhookSink;

/// <summary>Lets waiters sleep until something observable changes instead of polling.</summary>
internal sealed class ChangeSignal
{
    private TaskCompletionSource changed = NewSource();

    /// <summary>Capture this before checking a condition, so a change in between is not missed.</summary>
    public Task NextChange => Volatile.Read(ref changed).Task;

    public void Pulse() => Interlocked.Exchange(ref changed, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
