using System.Diagnostics;
using System.Net.Http.Json;

namespace Ceilings;

/// <summary>
/// A direct Ollama-simulator call: <c>POST /api/chat</c> (non-streaming, a one-sentence context) with <c>concurrency</c>
/// callers for <c>duration</c>; with <c>latencyMs</c> &gt; 0 the simulator's fixed-latency benchmark mode is set first.
/// </summary>
public static class SimulatorCeiling
{
    public static async Task<Figure> MeasureAsync(Uri simulator, int concurrency, TimeSpan duration, int latencyMs, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency };
        using var client = new HttpClient(handler) { BaseAddress = simulator, Timeout = TimeSpan.FromSeconds(30) }; // why: benchmark driver, not product code; bounded by the run's own duration/timeouts
        using (var faults = await client.PostAsJsonAsync("_sim/faults",
                   new { chat = latencyMs > 0 ? new { fixedLatencyMs = latencyMs } : new { fixedLatencyMs = 0 } }, cancellationToken))
        {
            faults.EnsureSuccessStatusCode();
        }

        var body = new
        {
            model = "llama3.2:1b",
            stream = false,
            messages = new object[]
            {
                new { role = "system", content = "Context:\n[1] The ceiling is measured in the same run as every benchmark." },
                new { role = "user", content = "When is the ceiling measured?" },
            },
        };
        var recorder = new LatencyRecorder();
        long calls = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var samples = recorder.ForWorker();
            while (!stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsJsonAsync("api/chat", body, stop.Token);
                    response.EnsureSuccessStatusCode();
                    await response.Content.ReadAsByteArrayAsync(stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }

                samples.Add(LatencyRecorder.Ms(start));
                Interlocked.Increment(ref calls);
            }
        }));
        var rate = calls / stopwatch.Elapsed.TotalSeconds;
        var (p50, p99, _) = recorder.Summary();
        using (var reset = await client.PostAsync("_sim/reset", null, CancellationToken.None)) // why: benchmark driver, not product code; bounded by the run's own duration/timeouts
        {
            reset.EnsureSuccessStatusCode();
        }

        var name = latencyMs > 0 ? $"ollama-sim-direct-{latencyMs}ms" : "ollama-sim-direct";
        return new Figure(name, rate, "calls/s",
            Notes: $"POST /api/chat stream=false, c={concurrency}, fixed latency {latencyMs} ms", P50Ms: p50, P99Ms: p99);
    }
}
