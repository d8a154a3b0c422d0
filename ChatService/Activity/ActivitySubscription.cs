using System.Threading.Channels;

namespace ChatService.Activity;

/// <summary>
/// One connected activity-stream client: a bounded buffer that drops the oldest event when the client is slow.
/// Disposing it removes the subscription from the hub.
/// </summary>
public sealed class ActivitySubscription : IDisposable
{
    private readonly Channel<ActivityEvent> _buffer;
    private readonly Action<ActivitySubscription> _onDispose;
    private long _dropped;
    private int _disposed;

    internal ActivitySubscription(string owner, int capacity, Action<ActivitySubscription> onDispose)
    {
        Owner = owner;
        _onDispose = onDispose;
        _buffer = Channel.CreateBounded<ActivityEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    public Guid Id { get; } = Guid.NewGuid();

    public string Owner { get; }

    public ChannelReader<ActivityEvent> Events => _buffer.Reader;

    /// <summary>Events dropped since the last call (and resets the count), so the client can be told.</summary>
    public long TakeDroppedCount() => Interlocked.Exchange(ref _dropped, 0);

    internal void Offer(ActivityEvent activityEvent) => _buffer.Writer.TryWrite(activityEvent);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _buffer.Writer.TryComplete();
            _onDispose(this);
        }
    }
}
