using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DistributorBench;
using Npgsql;
using ServiceDefaults.Auth;
using StackExchange.Redis;
using Testing;
using WebhookSink;

// Usage: dotnet run -c Release --project bench/DistributorBench -- [--events 2000] [--rate 500] [--rate-events 2000]
//        [--sustained-rate 1000] [--sustained-events 20000] [--slow-events 1000] [--workers 64] [--warmup 20000] [--json FILE]
//        or: -- --noisy-neighbour [--fast-events 300] [--fast-rate 50] [--hanging-events 60] [--warmup 2000] (see NoisyNeighbour.cs)
if (args.Contains("--noisy-neighbour"))
{
    await NoisyNeighbour.RunAsync(args);
    return;
}

var options = BenchOptions.Parse(args);
var startedAt = DateTimeOffset.UtcNow;
var ci = CultureInfo.InvariantCulture;
Console.WriteLine($"DistributorBench: {options.Events} events burst, {options.RateEvents} events at {options.Rate}/s, " +
                  $"{options.SustainedEvents} events at {options.SustainedRate}/s, " +
                  $"{options.SlowEvents} events to a 50 ms sink, {options.Workers} delivery workers, {options.Warmup} warm-up deliveries first; " +
                  $"{Environment.ProcessorCount} cores");

var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
await using var postgres = new PostgresServer();
await using var redis = new RedisServer();
await Task.WhenAll(postgres.StartAsync(CancellationToken.None), redis.StartAsync(CancellationToken.None)); // why: benchmark driver, not product code; bounded by the run's own duration/timeouts
var database = await postgres.CreateDatabaseAsync("distbench", CancellationToken.None); // why: benchmark driver, not product code; bounded by the run's own duration/timeouts

var pgCeiling = await Ceilings.PostgresCommitsPerSecondAsync(database, TimeSpan.FromSeconds(3));
var redisCeiling = await Ceilings.RedisXaddPerSecondAsync(redis.ConnectionString, TimeSpan.FromSeconds(3));
Console.WriteLine(string.Create(ci, $"ceiling  PostgreSQL single-row INSERT commits/s (16 connections): {pgCeiling,10:0}"));
Console.WriteLine(string.Create(ci, $"ceiling  Redis XADD/s (16 concurrent):                         {redisCeiling,10:0}"));

await using var sink = await WebhookSinkServer.StartAsync();
sink.SetBehavior("/slow", SinkBehavior.Slow(TimeSpan.FromMilliseconds(50)));

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
    ["Distributor__Delivery__Workers"] = options.Workers.ToString(ci),
    ["Database__MaxPoolSize"] = "40",
    ["Logging__PlainConsole"] = "true",
    ["Logging__LogLevel__Default"] = "Warning",
    ["Jobs__IdlePollInterval"] = "00:00:00.050",
};
await using var service = await ServiceHost.StartAsync(settings);
var cpu = new CpuMeter(service.ProcessId, postgres.ProcessId, redis.ProcessId);
await using var counterLink = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
var counters = new ServerCost(database, counterLink);
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) }; // why: benchmark driver, not product code; bounded by the run's own duration/timeouts
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
    DevTokenIssuer.Mint(signingKey, "bench", [AuthRoles.Admin, AuthRoles.Publisher], "aspire-chat-dev", ServiceAudiences.Distributor, TimeSpan.FromHours(2)));

await CreateDestinationAsync("fast", sink.UrlFor("/fast"), "bench.fast");
await CreateDestinationAsync("slow", sink.UrlFor("/slow"), "bench.slow");

// Warm-up (not reported): tiered JIT with dynamic PGO re-compiles the hot paths in the background for tens of
// seconds on two shared cores (perf showed the service's tiered-compilation thread at a quarter of its CPU after
// 3,000 deliveries), and connection pools and consumer groups fill; a service in production is warm, so the figures
// below are steady state. `--warmup 0` shows a cold service.
if (options.Warmup > 0)
{
    // why: no server counters: the warm-up is not reported, and settling them costs two waits of 11 s (ServerCost)
    await Runner.RunAsync(http, database, "bench.fast", options.Warmup, rate: null, concurrency: 32, cpu, counters: null, Delivered("/fast"));
}

var intakeOnly = await Runner.IntakeOnlyAsync(http, "bench.nobody", options.Events, concurrency: 32);
var burst = await Runner.RunAsync(http, database, "bench.fast", options.Events, rate: null, concurrency: 32, cpu, counters, Delivered("/fast"));
var paced = await Runner.RunAsync(http, database, "bench.fast", options.RateEvents, rate: options.Rate, concurrency: 32, cpu, counters, Delivered("/fast"));
var sustained = await Runner.RunAsync(http, database, "bench.fast", options.SustainedEvents, rate: options.SustainedRate, concurrency: 32, cpu, counters, Delivered("/fast"));
var slow = await Runner.RunAsync(http, database, "bench.slow", options.SlowEvents, rate: null, concurrency: 32, cpu, counters, Delivered("/slow"));
(string Key, string Label, RunResult Run)[] scenarios =
[
    ("fast-burst", "fast sink, burst", burst),
    ("fast-paced", string.Create(ci, $"fast sink, paced {options.Rate}/s"), paced),
    ("fast-sustained", string.Create(ci, $"fast sink, paced {options.SustainedRate}/s"), sustained),
    ("slow-50ms-burst", "50 ms sink, burst", slow),
];

Console.WriteLine();
Console.WriteLine("scenario                         events  intake/s  deliveries/s   p50 ms   p95 ms   p99 ms   max ms");
Console.WriteLine(string.Create(ci, $"{"intake only (no subscriber)",-32} {options.Events,6} {intakeOnly,9:0}"));
foreach (var (_, label, run) in scenarios)
{
    run.Print(label, ci);
}

Console.WriteLine();
foreach (var (_, label, run) in scenarios)
{
    Console.WriteLine(label);
    run.PrintDetails();
}

// A delivery's PostgreSQL work (the event, its distribution and job, the claim, the attempt, the settlement) against the
// ceiling's one-row commit: even with every core, PostgreSQL's own CPU per delivery bounds deliveries ÷ commits.
Console.WriteLine(string.Create(ci,
    $"PostgreSQL bound, fast burst: {Environment.ProcessorCount} cores ÷ {burst.CpuPerEvent.Postgres:0} µs of PostgreSQL CPU per delivery = "
    + $"{burst.PostgresBoundPerSecond:0} deliveries/s = {burst.PostgresBound(pgCeiling):0.000} × the commit ceiling "
    + $"(measured {burst.DeliveriesPerSecond / pgCeiling:0.000})"));

Console.WriteLine();
Console.WriteLine($"load average before/after: {loadBefore} / {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine("latency = distribution delivered_at - event accepted_at (both stamped by the service); deliveries/s = events / (last delivered - first accepted).");

if (options.JsonPath is { } jsonPath)
{
    var figures = new List<Figure>
    {
        new("intake-only", intakeOnly, "events/s", "http-loopback",
            string.Create(ci, $"POST /api/events, no subscriber, {options.Events} events, 32 concurrent")),
        new("own-postgres-commits", pgCeiling, "commits/s", Notes: "DistributorBench's own ceiling: single-row INSERT commits, 16 connections, 3 s"),
        new("own-redis-xadd", redisCeiling, "msg/s", "redis-xadd", "DistributorBench's own ceiling: XADD, 16 concurrent, 3 s"),
    };
    foreach (var (key, label, run) in scenarios)
    {
        figures.Add(new Figure($"deliveries-{key}", run.DeliveriesPerSecond, "deliveries/s", "postgres-claim",
            string.Create(ci, $"{label}, {run.Events} events; own PostgreSQL commits this run {pgCeiling:N0}/s → {run.DeliveriesPerSecond / pgCeiling:P1}"),
            run.P50, run.P99));
        figures.Add(new Figure($"deliveries-{key}-vs-own-postgres-commits", run.DeliveriesPerSecond / pgCeiling, "ratio",
            Notes: string.Create(ci, $"{run.DeliveriesPerSecond:N0} deliveries/s ÷ {pgCeiling:N0} commits/s, same run")));
        figures.Add(new Figure($"accepted-to-delivered-{key}-p50", run.P50, "ms", Notes: label));
        if (run.Cost is { } cost)
        {
            figures.Add(new Figure($"postgres-commits-per-delivery-{key}", cost.PostgresCommits, "commits",
                Notes: string.Create(ci, $"{label}: pg_stat_database xact_commit ÷ deliveries (intake + delivery)")));
            figures.Add(new Figure($"postgres-rows-per-delivery-{key}", cost.PostgresRows, "rows",
                Notes: string.Create(ci, $"{label}: pg_stat_database rows inserted, updated and deleted ÷ deliveries")));
            figures.Add(new Figure($"redis-commands-per-delivery-{key}", cost.RedisCommands, "commands",
                Notes: string.Create(ci, $"{label}: Redis total_commands_processed ÷ deliveries")));
        }

        if (run.OfferedRate is null)
        {
            figures.Add(new Figure($"deliveries-{key}-postgres-cpu-bound", run.PostgresBound(pgCeiling), "ratio",
                Notes: string.Create(ci, $"informational: the most deliveries ÷ commits can reach at this run's PostgreSQL CPU per delivery "
                    + $"({run.CpuPerEvent.Postgres:0} µs), even with every core for PostgreSQL: {Environment.ProcessorCount} cores ÷ that ÷ "
                    + $"{pgCeiling:N0} commits/s; measured {run.DeliveriesPerSecond / pgCeiling:0.000}")));
        }

        if (run.Backlog is { } backlog)
        {
            figures.Add(new Figure($"deliveries-{key}-vs-offered", run.DeliveredVsOffered!.Value, "ratio",
                Notes: string.Create(ci, $"{run.DeliveriesPerSecond:N0} delivered/s ÷ {run.OfferedRate}/s offered; 1.0 keeps up")));
            figures.Add(new Figure($"backlog-{key}-first-quarter", backlog.FirstQuarter, "distributions",
                Notes: string.Create(ci, $"{label}: mean accepted-not-delivered in the first quarter of the offered period")));
            figures.Add(new Figure($"backlog-{key}-last-quarter", backlog.LastQuarter, "distributions",
                Notes: string.Create(ci, $"{label}: mean in the last quarter; peak {backlog.Peak}; {(backlog.Grew ? "grew" : "flat: keeps up")}")));
            figures.Add(new Figure($"backlog-{key}-grew", backlog.Grew ? 1 : 0, "bool",
                Notes: "1 when the last quarter's backlog is more than twice the first's and 100 above it"));
        }
        figures.Add(new Figure($"accepted-to-delivered-{key}-p95", run.P95, "ms", Notes: label, P99Ms: run.P99));
    }

    var environment = new Dictionary<string, string>
    {
        ["cores"] = Environment.ProcessorCount.ToString(ci),
        ["workers"] = options.Workers.ToString(ci),
        ["warmupDeliveries"] = options.Warmup.ToString(ci),
        ["loadBefore"] = loadBefore,
        ["loadAfter"] = File.ReadAllText("/proc/loadavg").Trim(),
    };
    using var writeBudget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    await new BenchResult("DistributorBench", startedAt, figures, environment).WriteAsync(jsonPath, writeBudget.Token);
}

// The deliveries the sink answered 2xx on one path so far: what Runner waits on and samples the backlog with.
Func<int> Delivered(string path) => () => sink.SucceededTo(path);

async Task CreateDestinationAsync(string name, Uri url, string type)
{
    using var response = await http.PostAsJsonAsync("/api/destinations", new
    {
        name,
        url = url.ToString(),
        eventTypes = new[] { type },
        timeoutSeconds = 10,
        maxAttempts = 5,
        maxConcurrency = 64,
        backoff = new { initialSeconds = 0.1, multiplier = 2, maxSeconds = 1 },
    }, JsonSerializerOptions.Web);
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"Creating destination {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
