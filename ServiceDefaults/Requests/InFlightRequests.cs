namespace ServiceDefaults.Requests;

/// <summary>Requests currently being processed, for <c>/health/detailed</c>.</summary>
public sealed class InFlightRequests
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    internal void Enter() => Interlocked.Increment(ref _count);

    internal void Leave() => Interlocked.Decrement(ref _count);
}
