using System.Globalization;
using JobsBench;
using Npgsql;
using StackExchange.Redis;
using Testing;

// JobsBench [N=10000] [pool=8] [--pg <connection string>] [--redis <host:port>] [--json <file>]
// Without --pg/--redis (or BENCH_PG / BENCH_POSTGRES / BENCH_REDIS) it starts its own PostgreSQL 15 and Redis on free
// loopback ports. --json writes the headline figures in the bench/README.md convention; the text output is unchanged.
string[] valuedOptions = ["--pg", "--redis", "--json"];
var positional = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (valuedOptions.Contains(args[i]))
    {
        i++;
    }
    else if (!args[i].StartsWith("--", StringComparison.Ordinal))
    {
        positional.Add(args[i]);
    }
}

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
var count = positional.Count > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 10_000;
var pool = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 8;
var postgresOption = Option("--pg") ?? Environment.GetEnvironmentVariable("BENCH_PG") ?? Environment.GetEnvironmentVariable("BENCH_POSTGRES");
var jsonPath = Option("--json");
var startedAt = DateTimeOffset.UtcNow;
var redisOption = Option("--redis") ?? Environment.GetEnvironmentVariable("BENCH_REDIS");
using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(10));
var ct = budget.Token;

await using var ownPostgres = postgresOption is null ? new PostgresServer() : null;
await using var ownRedis = redisOption is null ? new RedisServer() : null;
if (ownPostgres is not null)
{
    await ownPostgres.StartAsync(ct);
}

if (ownRedis is not null)
{
    await ownRedis.StartAsync(ct);
}

var serverPostgres = postgresOption ?? ownPostgres!.ConnectionString;
var redisEndpoint = redisOption ?? ownRedis!.ConnectionString;
string database;
await using (var admin = NpgsqlDataSource.Create(serverPostgres))
{
    await using var create = admin.CreateCommand($"DROP DATABASE IF EXISTS jobsbench WITH (FORCE); CREATE DATABASE jobsbench");
    await create.ExecuteNonQueryAsync(ct);
    database = new NpgsqlConnectionStringBuilder(serverPostgres) { Database = "jobsbench" }.ConnectionString;
}

await using var dataSource = NpgsqlDataSource.Create(database);
await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redisEndpoint);
var redis = multiplexer.GetDatabase();
string postgresVersion;
await using (var version = dataSource.CreateCommand("SHOW server_version"))
{
    postgresVersion = (string)(await version.ExecuteScalarAsync(ct))!;
}

var redisVersion = multiplexer.GetServer(multiplexer.GetEndPoints()[0]).Version.ToString();
Console.WriteLine($"JobsBench: N={count} pool={pool} | {Environment.ProcessorCount} cores | PostgreSQL {postgresVersion} | Redis {redisVersion} | all on loopback");

var baselineRows = Math.Max(count, 20_000);
var claimRate = await Baselines.PostgresClaimRateAsync(dataSource, baselineRows, pool, ct);
var addRate = await Baselines.RedisAddRateAsync(redis, "bench:baseline", 50_000, ct);
var readRate = await Baselines.RedisReadGroupRateAsync(redis, "bench:baseline", 50_000, pool, ct);
await using (var drop = dataSource.CreateCommand("DROP TABLE bench_claims"))
{
    await drop.ExecuteNonQueryAsync(ct);
}

await using var run = new JobRun(database, redisEndpoint, pool);
await run.StartAsync(ct);
await run.RunBatchedAsync(Math.Min(2_000, count), 500, TimeSpan.FromMinutes(2), ct);

var (total, enqueue) = await run.RunBatchedAsync(count, 500, TimeSpan.FromMinutes(5), ct);
var latencies = run.Times.Latencies();
var duplicates = run.Times.Duplicates;
var pacedRate = 500;
var pacedCount = Math.Min(count, 5_000);
await run.RunPacedAsync(pacedCount, pacedRate, TimeSpan.FromMinutes(5), ct);
var pacedLatencies = run.Times.Latencies();
var singleCount = Math.Min(count, 5_000);
var singleEnqueue = await run.RunSingleAsync(singleCount, 16, TimeSpan.FromMinutes(5), ct);
var singleLatencies = run.Times.Latencies();

static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);
static string Ms(double[] sorted, double quantile) =>
    sorted.Length == 0 ? "-" : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)].ToString("F1", CultureInfo.InvariantCulture);

Console.WriteLine();
Console.WriteLine("Ceilings of the same servers, measured in this run");
Console.WriteLine($"  PostgreSQL UPDATE … (SELECT … FOR UPDATE SKIP LOCKED) RETURNING, 1 row/claim, {pool} connections : {Rate(claimRate),9} claims/s");
Console.WriteLine($"  Redis XADD, 1,000 in flight                                                    : {Rate(addRate),9} msg/s");
Console.WriteLine($"  Redis XREADGROUP COUNT 100 + XACK per batch, {pool} consumers                         : {Rate(readRate),9} msg/s");
Console.WriteLine();
Console.WriteLine($"DurableJobs end to end: {count} no-op jobs, Stage + SaveChanges per 500, pool {pool}, buffer {pool * 4}");
Console.WriteLine($"  throughput (first enqueue → last completion) : {Rate(count / total.TotalSeconds),9} jobs/s   ({total.TotalSeconds:F2} s)");
Console.WriteLine($"  enqueue rate (batched, committed + XADD)     : {Rate(count / enqueue.TotalSeconds),9} jobs/s");
Console.WriteLine($"  enqueue→start latency ms                     : p50 {Ms(latencies, 0.50)}  p95 {Ms(latencies, 0.95)}  p99 {Ms(latencies, 0.99)}  max {Ms(latencies, 1.0)}");
Console.WriteLine($"  handler started twice                        : {duplicates}");
Console.WriteLine($"  same, paced at {pacedRate} jobs/s ({pacedCount} jobs): enqueue→start ms : p50 {Ms(pacedLatencies, 0.50)}  p95 {Ms(pacedLatencies, 0.95)}  p99 {Ms(pacedLatencies, 0.99)}  max {Ms(pacedLatencies, 1.0)}");
Console.WriteLine();
Console.WriteLine($"DurableJobs EnqueueAsync, one job per call, 16 concurrent callers ({singleCount} jobs, workers running)");
Console.WriteLine($"  enqueue rate                                 : {Rate(singleCount / singleEnqueue.TotalSeconds),9} jobs/s");
Console.WriteLine($"  enqueue→start latency ms                     : p50 {Ms(singleLatencies, 0.50)}  p95 {Ms(singleLatencies, 0.95)}  p99 {Ms(singleLatencies, 0.99)}  max {Ms(singleLatencies, 1.0)}");
if (jsonPath is not null)
{
    static double? Quantile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? null : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];

    var throughput = count / total.TotalSeconds;
    var ownRatio = throughput / claimRate;
    var figures = new List<Figure>
    {
        new("jobs-completed", throughput, "jobs/s", "postgres-claim",
            string.Create(CultureInfo.InvariantCulture, $"{count:N0} no-op jobs, batched enqueue, pool {pool}; own PostgreSQL claim rate this run {claimRate:N0} claims/s → {ownRatio:P1}"),
            Quantile(latencies, 0.50), Quantile(latencies, 0.99)),
        new("jobs-completed-vs-own-postgres-claim", ownRatio, "ratio",
            Notes: string.Create(CultureInfo.InvariantCulture, $"{throughput:N0} jobs/s ÷ {claimRate:N0} claims/s (same servers, same run, {pool} connections)")),
        new("own-postgres-claim", claimRate, "claims/s", "postgres-claim",
            string.Create(CultureInfo.InvariantCulture, $"JobsBench's own claim baseline, {baselineRows:N0} rows, {pool} connections")),
        new("enqueue-to-start-p50", Quantile(latencies, 0.50) ?? double.NaN, "ms", Notes: "batched burst"),
        new("enqueue-to-start-p95", Quantile(latencies, 0.95) ?? double.NaN, "ms", Notes: "batched burst"),
        new("enqueue-to-start-p99", Quantile(latencies, 0.99) ?? double.NaN, "ms", Notes: "batched burst"),
        new("jobs-enqueue-batched", count / enqueue.TotalSeconds, "jobs/s", Notes: "Stage + SaveChanges per 500, committed + XADD"),
        new("enqueue-to-start-paced-p95", Quantile(pacedLatencies, 0.95) ?? double.NaN, "ms",
            Notes: string.Create(CultureInfo.InvariantCulture, $"paced at {pacedRate} jobs/s, {pacedCount:N0} jobs"),
            P50Ms: Quantile(pacedLatencies, 0.50), P99Ms: Quantile(pacedLatencies, 0.99)),
        new("jobs-enqueue-single", singleCount / singleEnqueue.TotalSeconds, "jobs/s",
            Notes: string.Create(CultureInfo.InvariantCulture, $"EnqueueAsync one job per call, 16 callers, {singleCount:N0} jobs"),
            P50Ms: Quantile(singleLatencies, 0.50), P99Ms: Quantile(singleLatencies, 0.99)),
        new("handler-started-twice", duplicates, "jobs"),
    };
    var environment = new Dictionary<string, string>
    {
        ["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
        ["postgres"] = postgresVersion,
        ["redis"] = redisVersion,
        ["own-redis-xadd"] = Rate(addRate) + " msg/s",
        ["own-redis-xreadgroup-xack"] = Rate(readRate) + " msg/s",
    };
    await new BenchResult("JobsBench", startedAt, figures, environment).WriteAsync(jsonPath, ct);
}

return duplicates == 0 ? 0 : 1;
