using System.Globalization;

namespace BenchFormat;

/// <summary>
/// CPU seconds (user + system) of a process read from <c>/proc/&lt;pid&gt;/stat</c> (Linux), or of a server with its
/// children: PostgreSQL's postmaster with its backends, alive and ended. 0 when the process is gone.
/// </summary>
public static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static double Seconds(int pid) => Seconds(pid, 11, 12);

    /// <summary>
    /// The process, its direct children alive now, and those that ended (their time is added to the parent's cutime and
    /// cstime when it reaps them; without these a figure went negative when backends ended during a scenario).
    /// </summary>
    public static double TreeSeconds(int root)
    {
        var total = Seconds(root) + Seconds(root, 13, 14);
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
                    total += Ticks(fields, 11, 12);
                }
            }
            catch (IOException)
            {
                // The process ended between listing and reading.
            }
        }

        return total;
    }

    // proc(5) stat fields after pid and comm: [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime (waited-for children).
    private static double Seconds(int pid, int first, int second)
    {
        try
        {
            return Ticks(StatFields(File.ReadAllText($"/proc/{pid}/stat")), first, second);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static double Ticks(string[] fields, int first, int second) =>
        (long.Parse(fields[first], CultureInfo.InvariantCulture) + long.Parse(fields[second], CultureInfo.InvariantCulture)) / TicksPerSecond;

    private static string[] StatFields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
}
