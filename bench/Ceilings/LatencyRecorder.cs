using System.Diagnostics;

namespace Ceilings;

/// <summary>Per-worker latency samples (no locking on the hot path), merged at the end for percentiles.</summary>
public sealed class LatencyRecorder
{
    private readonly List<List<double>> _perWorker = [];

    public List<double> ForWorker()
    {
        var list = new List<double>(1 << 16);
        lock (_perWorker)
        {
            _perWorker.Add(list);
        }

        return list;
    }

    public static double Ms(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;

    public (double P50, double P99, long Count) Summary()
    {
        var all = _perWorker.SelectMany(l => l).ToArray();
        if (all.Length == 0)
        {
            return (0, 0, 0);
        }

        Array.Sort(all);
        return (all[(int)(all.Length * 0.50)], all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))], all.Length);
    }
}
