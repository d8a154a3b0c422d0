using System.Globalization;

namespace EvaluationBench;

/// <summary>Command line: <c>--cases N --parallelism P --latency-ms L --json FILE</c>.</summary>
internal sealed record BenchOptions(int Cases, int Parallelism, int LatencyMs, string? JsonPath)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Int(string name, int fallback) => Arg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var options = new BenchOptions(Int("--cases", 64), Int("--parallelism", 8), Int("--latency-ms", 200), Arg("--json"));
        if (options.Cases < 1 || options.Parallelism is < 1 or > 16 || options.LatencyMs < 1)
        {
            throw new ArgumentException("--cases ≥ 1, --parallelism 1..16 (EvaluationService MaxParallelism), --latency-ms ≥ 1");
        }

        return options;
    }

    /// <summary>The best a perfect scheduler could do: N answers of L ms each, P at a time.</summary>
    public TimeSpan IdealTime => TimeSpan.FromMilliseconds((double)Cases * LatencyMs / Parallelism);
}
