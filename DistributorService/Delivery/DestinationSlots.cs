using System.Collections.Concurrent;
using DistributorService.Options;
using Microsoft.Extensions.Options;

namespace DistributorService.Delivery;

/// <summary>
/// The share of this instance's delivery workers each destination may hold: its <c>maxConcurrency</c> sending plus
/// <see cref="DeliveryOptions.WaitingPerDestination"/> waiting for one of its connections. A delivery that finds its
/// destination's share taken does not wait inside a worker: its job is deferred (<see cref="DurableJobs.JobDeferredException"/>)
/// for <see cref="DeferDelay"/>, so a hanging or slow destination never holds the workers another destination needs.
/// </summary>
public sealed class DestinationSlots(IOptionsMonitor<DistributorOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, Share> _shares = new();

    /// <summary>Whether the destination's share is taken, from what this instance last saw of it (a cheap check before the
    /// claim).</summary>
    public bool IsFull(Guid destinationId) => _shares.TryGetValue(destinationId, out var share) && share.IsFull;

    /// <summary>Takes one slot of the destination's share; null when it is taken (then defer the job).</summary>
    public IDisposable? TryEnter(DeliveryTarget target)
    {
        var limit = target.MaxConcurrency * Math.Max(1, target.BatchMaxSize ?? 1) + options.CurrentValue.Delivery.WaitingPerDestination;
        var share = _shares.GetOrAdd(target.Id, static _ => new Share());
        return share.TryEnter(limit, time.GetTimestamp()) is { } started ? new Slot(time, share, started) : null;
    }

    /// <summary>
    /// How long a delivery that found the share taken waits before it is tried again: about as long as the destination's
    /// attempts take (the oldest one in flight, or the recent average), within <see cref="DeliveryOptions.BusyRetryMinDelay"/>
    /// and <see cref="DeliveryOptions.BusyRetryMaxDelay"/>, ±50 % so deferred jobs do not come back together.
    /// A hanging destination's jobs come back rarely; a busy fast one's soon.
    /// </summary>
    public TimeSpan DeferDelay(Guid destinationId)
    {
        var delivery = options.CurrentValue.Delivery;
        var expected = _shares.TryGetValue(destinationId, out var share) ? share.ExpectedWait(time) : TimeSpan.Zero;
        var bounded = expected < delivery.BusyRetryMinDelay ? delivery.BusyRetryMinDelay
            : expected > delivery.BusyRetryMaxDelay ? delivery.BusyRetryMaxDelay : expected;
        return bounded * (0.5 + Random.Shared.NextDouble());
    }

    public void Forget(Guid destinationId) => _shares.TryRemove(destinationId, out _);

    private sealed class Share
    {
        private readonly Lock _gate = new();
        private readonly List<long> _started = [];
        private int _limit = int.MaxValue;
        private double _averageSeconds;

        public bool IsFull
        {
            get
            {
                lock (_gate)
                {
                    return _started.Count >= _limit;
                }
            }
        }

        public long? TryEnter(int limit, long now)
        {
            lock (_gate)
            {
                _limit = limit;
                if (_started.Count >= limit)
                {
                    return null;
                }

                _started.Add(now);
                return now;
            }
        }

        public void Exit(long started, TimeSpan took)
        {
            lock (_gate)
            {
                _started.Remove(started);
                // why: an exponentially weighted average of recent attempt durations, enough to pace retries of a busy share.
                _averageSeconds = _averageSeconds == 0 ? took.TotalSeconds : (_averageSeconds * 0.8) + (took.TotalSeconds * 0.2);
            }
        }

        public TimeSpan ExpectedWait(TimeProvider time)
        {
            lock (_gate)
            {
                var oldest = _started.Count == 0 ? TimeSpan.Zero : time.GetElapsedTime(_started.Min());
                var average = TimeSpan.FromSeconds(_averageSeconds);
                return oldest > average ? oldest : average;
            }
        }
    }

    private sealed class Slot(TimeProvider time, Share share, long started) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                share.Exit(started, time.GetElapsedTime(started));
            }
        }
    }
}
