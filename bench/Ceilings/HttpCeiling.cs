using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Ceilings;

/// <summary>
/// Loopback HTTP: a Kestrel minimal API (<c>GET /json</c>, 35 bytes) driven by an in-process HttpClient load loop with
/// <c>concurrency</c> workers for <c>duration</c>. Generator and server share the cores, as the services and their
/// load generators do in the other benchmarks.
/// </summary>
public static class HttpCeiling
{
    public static async Task<Figure> MeasureAsync(int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapGet("/json", () => Results.Json(new { message = "hello", at = 1 }));
        await app.StartAsync(cancellationToken);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) }; // why: benchmark driver, not product code; bounded by the run's own duration/timeouts
        // Warm-up: JIT, connections.
        await LoadAsync(client, concurrency, TimeSpan.FromSeconds(1), new LatencyRecorder(), cancellationToken);
        var recorder = new LatencyRecorder();
        var stopwatch = Stopwatch.StartNew();
        var count = await LoadAsync(client, concurrency, duration, recorder, cancellationToken);
        var rate = count / stopwatch.Elapsed.TotalSeconds;
        var (p50, p99, _) = recorder.Summary();
        await app.StopAsync(cancellationToken);
        return new Figure("http-loopback", rate, "req/s", Notes: $"Kestrel GET /json, c={concurrency}, {duration.TotalSeconds:0} s", P50Ms: p50, P99Ms: p99);
    }

    private static async Task<long> LoadAsync(HttpClient client, int concurrency, TimeSpan duration, LatencyRecorder recorder, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        long total = 0;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var samples = recorder.ForWorker();
            long mine = 0;
            while (!stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.GetAsync("json", HttpCompletionOption.ResponseContentRead, stop.Token);
                    response.EnsureSuccessStatusCode();
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }

                samples.Add(LatencyRecorder.Ms(start));
                mine++;
            }

            Interlocked.Add(ref total, mine);
        });
        await Task.WhenAll(workers);
        return total;
    }
}
