// Measures the machine's ceilings in the same run as the benchmarks (bench/README.md):
//   dotnet run -c Release --project bench/Ceilings -- [--json FILE] [--duration SECONDS]
//       [--postgres CONNSTR] [--redis HOST:PORT] [--ollama URL] [--sim-latency-ms N]
// Without --postgres/--redis/--ollama (or BENCH_POSTGRES / BENCH_REDIS / BENCH_OLLAMA) it starts its own
// PostgreSQL and Redis (tests/Testing) and an in-process Ollama simulator.
using System.Globalization;
using System.Text.Json;
using Ceilings;
using OllamaSimulator;
using Testing;

var options = CommandLine.Parse(args);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var ct = cancel.Token;
var startedAt = DateTimeOffset.UtcNow;
var duration = TimeSpan.FromSeconds(options.DurationSeconds);

await using var postgres = options.Postgres is null ? new PostgresServer() : null;
await using var redis = options.Redis is null ? new RedisServer() : null;
await using var simulator = options.Ollama is null ? await OllamaSimulatorServer.StartAsync(cancellationToken: ct) : null;
if (postgres is not null)
{
    await postgres.StartAsync(ct);
}

if (redis is not null)
{
    await redis.StartAsync(ct);
}

var pgConnection = options.Postgres ?? postgres!.ConnectionString + ";Database=postgres";
var redisConnection = options.Redis ?? redis!.ConnectionString;
var ollama = options.Ollama is not null ? new Uri(options.Ollama.TrimEnd('/') + "/") : simulator!.BaseAddress;

var figures = new List<Figure>();
async Task Step(string what, Func<Task<IEnumerable<Figure>>> measure)
{
    Console.Error.WriteLine($"[ceilings] {what}...");
    try
    {
        figures.AddRange(await measure());
    }
    catch (Exception e) when (e is not OperationCanceledException)
    {
        Console.Error.WriteLine($"[ceilings] {what} failed: {e.GetType().Name}: {e.Message}");
        figures.Add(new Figure(what, double.NaN, "failed", Notes: e.Message));
    }
}

await Step("http-loopback", async () => [await HttpCeiling.MeasureAsync(64, duration, ct)]);
await Step("redis", async () => await RedisCeiling.MeasureAsync(redisConnection, 100_000, 1000, ct));
await Step("postgres-claim", async () => [await PostgresCeiling.MeasureAsync(pgConnection, 20_000, 8, ct)]);
await Step("ollama-sim-direct", async () => [await SimulatorCeiling.MeasureAsync(ollama, 16, duration, 0, ct)]);
if (options.SimLatencyMs > 0)
{
    await Step($"ollama-sim-direct-{options.SimLatencyMs}ms",
        async () => [await SimulatorCeiling.MeasureAsync(ollama, 16, duration, options.SimLatencyMs, ct)]);
}

Console.WriteLine($"{"ceiling",-28} {"value",14} {"unit",-10} {"p50 ms",8} {"p99 ms",8}  notes");
foreach (var f in figures)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{f.Name,-28} {f.Value,14:N0} {f.Unit,-10} {f.P50Ms,8:0.00} {f.P99Ms,8:0.00}  {f.Notes}"));
}

if (options.JsonPath is not null)
{
    var result = new BenchResult("Ceilings", startedAt, figures, new Dictionary<string, string>
    {
        ["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
        ["dotnet"] = Environment.Version.ToString(),
        ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
    });
    await File.WriteAllTextAsync(options.JsonPath,
        JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }), ct);
    Console.Error.WriteLine($"[ceilings] wrote {options.JsonPath}");
}

return figures.Any(f => double.IsNaN(f.Value)) ? 1 : 0;
