using System.Collections.Concurrent;

namespace DurableJobs.Dispatch;

/// <summary>One <see cref="WakeSignal"/> per queue, set by local dispatches and by the Redis wake channel.</summary>
internal sealed class QueueWakeups
{
    private readonly ConcurrentDictionary<string, WakeSignal> _signals = new(StringComparer.Ordinal);

    public WakeSignal For(string queue) => _signals.GetOrAdd(queue, static _ => new WakeSignal());

    public void Signal(string queue)
    {
        if (_signals.TryGetValue(queue, out var signal))
        {
            signal.Set();
        }
    }
}
