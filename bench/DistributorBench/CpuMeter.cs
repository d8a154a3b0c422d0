using System.Diagnostics;
using System.Globalization;
using BenchFormat;

namespace DistributorBench;

/// <summary>
/// CPU seconds burnt by each party of the benchmark (service process, this process = load generator + webhook sink,
/// the PostgreSQL server's processes, Redis) read from /proc, so a run shows who is the bottleneck.
/// </summary>
internal sealed class CpuMeter(int servicePid, int? postgresPid, int? redisPid)
{
    public record Sample(double Service, double Client, double Postgres, double Redis, double Wall);

    public Sample Take() => new(
        ProcessCpu.Seconds(servicePid),
        Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        postgresPid is { } pg ? ProcessCpu.TreeSeconds(pg) : 0,
        redisPid is { } r ? ProcessCpu.Seconds(r) : 0,
        Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency);

    /// <summary>CPU per event of each party, in microseconds.</summary>
    public record PerEvent(double Service, double Client, double Postgres, double Redis);

    public static PerEvent Micros(Sample before, Sample after, int events) => new(
        (after.Service - before.Service) * 1e6 / events,
        (after.Client - before.Client) * 1e6 / events,
        (after.Postgres - before.Postgres) * 1e6 / events,
        (after.Redis - before.Redis) * 1e6 / events);

    public static string Describe(Sample before, Sample after, int events)
    {
        var wall = after.Wall - before.Wall;
        string Part(string name, double a, double b) =>
            string.Create(CultureInfo.InvariantCulture, $"{name} {(b - a) / wall * 100,4:0}% ({(b - a) * 1e6 / events,5:0} µs/event)");
        return $"cpu  {Part("service", before.Service, after.Service)}  {Part("client+sink", before.Client, after.Client)}  " +
               $"{Part("postgres", before.Postgres, after.Postgres)}  {Part("redis", before.Redis, after.Redis)}";
    }
}
