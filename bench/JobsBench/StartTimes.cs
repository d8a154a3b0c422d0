using System.Collections.Concurrent;
using System.Diagnostics;

namespace JobsBench;

/// <summary>When each job was handed to the scheduler and when its handler started (Stopwatch ticks).</summary>
public sealed class StartTimes
{
    private readonly ConcurrentDictionary<Guid, long> _enqueued = new();
    private readonly ConcurrentDictionary<Guid, long> _started = new();
    private int _completed;
    private int _duplicates;

    public int Completed => Volatile.Read(ref _completed);

    public int Duplicates => Volatile.Read(ref _duplicates);

    public long LastCompletion { get; private set; }

    public void Enqueued(Guid id, long timestamp) => _enqueued[id] = timestamp;

    public void Started(Guid id)
    {
        var now = Stopwatch.GetTimestamp();
        if (!_started.TryAdd(id, now))
        {
            Interlocked.Increment(ref _duplicates);
        }
    }

    public void Finished()
    {
        Interlocked.Increment(ref _completed);
        LastCompletion = Stopwatch.GetTimestamp();
    }

    public void Reset()
    {
        _enqueued.Clear();
        _started.Clear();
        Volatile.Write(ref _completed, 0);
        Volatile.Write(ref _duplicates, 0);
    }

    /// <summary>Enqueue→start latencies in milliseconds, sorted.</summary>
    public double[] Latencies()
    {
        var latencies = new List<double>(_started.Count);
        foreach (var (id, started) in _started)
        {
            if (_enqueued.TryGetValue(id, out var enqueued))
            {
                latencies.Add(Stopwatch.GetElapsedTime(enqueued, started).TotalMilliseconds);
            }
        }

        latencies.Sort();
        return [.. latencies];
    }
}
