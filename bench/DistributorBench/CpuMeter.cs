using System.Diagnostics;
using System.Globalization;

namespace DistributorBench;

/// <summary>
/// CPU seconds burnt by each party of the benchmark (service process, this process = load generator + webhook sink,
/// the PostgreSQL server's processes, Redis) read from /proc, so a run shows who is the bottleneck.
/// </summary>
internal sealed class CpuMeter(int servicePid, int? postgresPid, int? redisPid)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public record Sample(double Service, double Client, double Postgres, double Redis, double Wall);

    public Sample Take() => new(
        ProcessSeconds(servicePid),
        Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        postgresPid is { } pg ? TreeSeconds(pg) : 0,
        redisPid is { } r ? ProcessSeconds(r) : 0,
        Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency);

    public static string Describe(Sample before, Sample after, int events)
    {
        var wall = after.Wall - before.Wall;
        string Part(string name, double a, double b) =>
            string.Create(CultureInfo.InvariantCulture, $"{name} {(b - a) / wall * 100,4:0}% ({(b - a) * 1e6 / events,5:0} µs/event)");
        return $"cpu  {Part("service", before.Service, after.Service)}  {Part("client+sink", before.Client, after.Client)}  " +
               $"{Part("postgres", before.Postgres, after.Postgres)}  {Part("redis", before.Redis, after.Redis)}";
    }

    // proc(5) stat fields after pid and comm: [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime (waited-for children).
    private static double ReapedChildrenSeconds(int pid) => Seconds(pid, 13, 14);

    private static double ProcessSeconds(int pid) => Seconds(pid, 11, 12);

    private static double Seconds(int pid, int first, int second)
    {
        try
        {
            var fields = StatFields(File.ReadAllText($"/proc/{pid}/stat"));
            return (long.Parse(fields[first], CultureInfo.InvariantCulture) + long.Parse(fields[second], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string[] StatFields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

    /// <summary>
    /// The postmaster, its backends alive now, and those that ended (their time is added to the postmaster's cutime and
    /// cstime when it reaps them; without these the figure went negative when backends ended during a scenario).
    /// </summary>
    private static double TreeSeconds(int root)
    {
        var total = ProcessSeconds(root) + ReapedChildrenSeconds(root);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == root)
            {
                continue;
            }

            try
            {
                var fields = StatFields(File.ReadAllText(Path.Combine(dir, "stat")));
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == root)
                {
                    total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
                }
            }
            catch (IOException)
            {
                // The process ended between listing and reading.
            }
        }

        return total;
    }
}
