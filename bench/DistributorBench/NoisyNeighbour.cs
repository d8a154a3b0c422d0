using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ServiceDefaults.Auth;
using Testing;
using WebhookSink;

namespace DistributorBench;

/// <summary>
/// "Noisy neighbour": one destination that never answers, at default settings (30 s timeout, maxConcurrency 8, 32 workers),
/// next to fast ones. Prints the fast destination's accepted→delivered p95 alone and with the hanging neighbour, and the ratio
/// (goal ≤ 2×). Usage: <c>dotnet run -c Release --project bench/DistributorBench -- --noisy-neighbour [--fast-events 300]
/// [--fast-rate 50] [--hanging-events 60] [--warmup 2000] [--setting Key=Value] [--json FILE]</c>; <c>--json</c> writes the
/// figures <c>noisy-neighbour-fast-p95-alone</c>, <c>noisy-neighbour-fast-p95-with-hanging</c> and <c>noisy-neighbour-p95-ratio</c>
/// (program <c>DistributorBench-noisy-neighbour</c>, bench/README.md).
/// </summary>
internal static class NoisyNeighbour
{
    public static async Task RunAsync(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        int Get(string name, int fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], ci) : fallback;
        }

        var (fastEvents, fastRate, hangingEvents, warmup) = (Get("--fast-events", 300), Get("--fast-rate", 50), Get("--hanging-events", 60),
            Get("--warmup", 2000));
        var startedAt = DateTimeOffset.UtcNow;
        var json = Array.IndexOf(args, "--json");
        var jsonPath = json < 0 ? null : json + 1 < args.Length ? args[json + 1] : throw new ArgumentException("--json needs a file path");
        Console.WriteLine($"Noisy neighbour: {fastEvents} events at {fastRate}/s to a fast destination, alone and after {hangingEvents} events "
                          + $"to a destination that never answers; default delivery settings; {Environment.ProcessorCount} cores");

        await using var postgres = new PostgresServer();
        await using var redis = new RedisServer();
        await Task.WhenAll(postgres.StartAsync(CancellationToken.None), redis.StartAsync(CancellationToken.None)); // why: benchmark driver; bounded by the run
        var database = await postgres.CreateDatabaseAsync("distnoisy", CancellationToken.None); // why: benchmark driver; bounded by the run
        await using var sink = await WebhookSinkServer.StartAsync();
        sink.SetBehavior("/hang", SinkBehavior.Hanging());

        const string signingKey = "distributor-bench-signing-key-0123456789-abcdef";
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__distdb"] = database,
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["Auth__SigningKey"] = signingKey,
            ["Distributor__Secrets__EncryptionKey"] = "YmVuY2gtb25seS1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=",
            ["Distributor__Ssrf__AllowedHosts__0"] = "127.0.0.1",
            ["Distributor__Publishers__bench__EventTypes__0"] = "bench.*",
            // The bench is one publisher offering far more than the per-user intake limit a tenant gets (RateLimits:events).
            ["RateLimits__events__PermitLimit"] = "1000000",
            ["Logging__PlainConsole"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        // --setting Key=Value (repeatable) adds service settings, e.g. Distributor__Delivery__WaitingPerDestination=1000 to let a
        // hanging destination's jobs wait in workers again (the behaviour before DestinationSlots) for an A/B.
        for (var i = Array.IndexOf(args, "--setting"); i >= 0 && i + 1 < args.Length; i = Array.IndexOf(args, "--setting", i + 1))
        {
            var pair = args[i + 1].Split('=', 2);
            settings[pair[0]] = pair[1];
        }

        await using var service = await ServiceHost.StartAsync(settings);
        var cpu = new CpuMeter(service.ProcessId, postgres.ProcessId, redis.ProcessId);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) }; // why: benchmark driver
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            DevTokenIssuer.Mint(signingKey, "bench", [AuthRoles.Admin, AuthRoles.Publisher], "aspire-chat-dev", ServiceAudiences.Distributor, TimeSpan.FromHours(2)));

        // Destination defaults apart from URL and types: timeout 30 s, maxConcurrency 8, 8 attempts.
        foreach (var (name, path, type) in new[] { ("fast-1", "/fast1", "bench.fast1"), ("fast-2", "/fast2", "bench.fast2"), ("hanging", "/hang", "bench.hang") })
        {
            using var response = await http.PostAsJsonAsync("/api/destinations",
                new { name, url = sink.UrlFor(path).ToString(), eventTypes = new[] { type } }, JsonSerializerOptions.Web);
            response.EnsureSuccessStatusCode();
        }

        if (warmup > 0)
        {
            await Runner.RunAsync(http, database, "bench.fast2", warmup, rate: null, concurrency: 16, cpu, counters: null, () => sink.SucceededTo("/fast2"));
        }

        var alone = await Runner.RunAsync(http, database, "bench.fast1", fastEvents, fastRate, concurrency: 16, cpu, counters: null, () => sink.SucceededTo("/fast1"));

        // The neighbour's events first, as a burst, then the same paced load to the fast destination.
        for (var i = 0; i < hangingEvents; i++)
        {
            using var response = await http.PostAsJsonAsync("/api/events", new { type = "bench.hang", payload = new { i } }, JsonSerializerOptions.Web);
            response.EnsureSuccessStatusCode();
        }

        var neighboured = await Runner.RunAsync(http, database, "bench.fast1", fastEvents, fastRate, concurrency: 16, cpu, counters: null, () => sink.SucceededTo("/fast1"));

        Console.WriteLine();
        Console.WriteLine("scenario                         events  intake/s  deliveries/s   p50 ms   p95 ms   p99 ms   max ms");
        alone.Print("fast destination alone", ci);
        neighboured.Print("fast, with hanging neighbour", ci);
        Console.WriteLine(string.Create(ci, $"fast destination p95 alone {alone.P95:0.0} ms, with the hanging neighbour {neighboured.P95:0.0} ms: "
                                            + $"ratio {neighboured.P95 / Math.Max(alone.P95, 0.001):0.00}× (goal ≤ 2×); hanging requests open at the sink: {sink.InFlight}"));
        if (jsonPath is not null)
        {
            var ratio = neighboured.P95 / Math.Max(alone.P95, 0.001);
            var label = string.Create(ci, $"{fastEvents} events at {fastRate}/s to a fast destination, default settings");
            var figures = new List<Figure>
            {
                new("noisy-neighbour-fast-p95-alone", alone.P95, "ms", Notes: $"accepted→delivered p95; {label}, alone", P50Ms: alone.P50, P99Ms: alone.P99),
                new("noisy-neighbour-fast-p95-with-hanging", neighboured.P95, "ms",
                    Notes: string.Create(ci, $"accepted→delivered p95; {label}, after {hangingEvents} events to a destination that never answers"),
                    P50Ms: neighboured.P50, P99Ms: neighboured.P99),
                new("noisy-neighbour-p95-ratio", ratio, "ratio", Notes: "with the hanging neighbour ÷ alone (goal ≤ 2)"),
            };
            var environment = new Dictionary<string, string>
            {
                ["cores"] = Environment.ProcessorCount.ToString(ci),
                ["fastEvents"] = fastEvents.ToString(ci),
                ["fastRate"] = fastRate.ToString(ci),
                ["hangingEvents"] = hangingEvents.ToString(ci),
                ["warmupDeliveries"] = warmup.ToString(ci),
                ["hangingRequestsOpenAtSink"] = sink.InFlight.ToString(ci),
            };
            using var writeBudget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await new BenchResult("DistributorBench-noisy-neighbour", startedAt, figures, environment).WriteAsync(jsonPath, writeBudget.Token);
        }
    }
}
