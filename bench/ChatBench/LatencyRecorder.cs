using System.Collections.Concurrent;
using System.Diagnostics;

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

    public ScenarioResult Report()
    {
        _wall.Stop();
        var sorted = _ms.Order().ToArray();
        double Pct(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new ScenarioResult(name, sorted.Length, sorted.Length / _wall.Elapsed.TotalSeconds, Pct(0.50), Pct(0.95), Pct(0.99), _errors);
    }
}
