using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace ChatBench;

/// <summary>Collects latencies of one scenario and prints throughput, p50 and p99.</summary>
internal sealed class LatencyRecorder(string name)
{
    private readonly ConcurrentBag<double> _ms = [];
    private readonly Stopwatch _wall = new();
    private int _errors;

    public void Start() => _wall.Start();

    public async Task TimeAsync(Func<Task<bool>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var ok = await call();
        _ms.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (!ok)
        {
            Interlocked.Increment(ref _errors);
        }
    }

    public string Report()
    {
        _wall.Stop();
        var sorted = _ms.Order().ToArray();
        double Pct(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {sorted.Length} | {sorted.Length / _wall.Elapsed.TotalSeconds:F1} | {Pct(0.50):F1} | {Pct(0.99):F1} | {_errors} |");
    }
}
