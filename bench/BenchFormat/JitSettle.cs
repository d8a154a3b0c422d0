using System.Diagnostics;

namespace BenchFormat;

/// <summary>
/// The benchmarks' warm-up rule: repeat an untimed step until two steps in a row make every measured process compile at
/// most <see cref="SettledMethodsPerStep"/> methods, or the time budget is spent. On a 2-core machine tiered compilation
/// (tier 0 → instrumented → optimised, in the background) kept the services compiling for thousands of chat turns; a
/// figure timed earlier measured the JIT beside a half-cold service instead of the running one (bench/README.md).
/// </summary>
public static class JitSettle
{
    /// <summary>A step that compiles at most this many methods counts as settled (a new code path still trickles in).</summary>
    public const int SettledMethodsPerStep = 50;

    /// <param name="compiled">Each measured process's compiled-method count so far.</param>
    /// <param name="step">One untimed warm-up step, given its number.</param>
    public static async Task<Outcome> UntilSettledAsync(Func<CancellationToken, Task<long[]>> compiled, Func<int, Task> step,
        TimeSpan budget, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var first = await compiled(cancellationToken);
        var last = first;
        long[] lastStep = new long[first.Length];
        var (steps, settledInARow) = (0, 0);
        while (settledInARow < 2 && Stopwatch.GetElapsedTime(started) < budget)
        {
            await step(steps++);
            var now = await compiled(cancellationToken);
            lastStep = now.Zip(last, (a, b) => a - b).ToArray();
            settledInARow = lastStep.All(m => m <= SettledMethodsPerStep) ? settledInARow + 1 : 0;
            last = now;
        }

        return new Outcome(steps, settledInARow >= 2, Stopwatch.GetElapsedTime(started),
            last.Zip(first, (a, b) => a - b).ToArray(), lastStep);
    }

    /// <summary>How many steps ran, whether the JIT settled, and per process the methods compiled in all and in the last step.</summary>
    public sealed record Outcome(int Steps, bool Settled, TimeSpan Elapsed, long[] Compiled, long[] CompiledInLastStep)
    {
        public string State => Settled ? "settled" : "NOT settled within the budget";
    }
}
