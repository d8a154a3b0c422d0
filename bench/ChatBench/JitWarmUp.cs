using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace ChatBench;

/// <summary>
/// Warms the in-process ChatService until the JIT has settled: batches of chats at the scenario's concurrency until two
/// batches in a row compile at most <see cref="SettledMethodsPerBatch"/> methods, or the time budget is spent. Tiered
/// compilation (tier 0 → instrumented → optimised, in the background) keeps compiling for thousands of turns on this
/// machine, and a turn in tier-0 / instrumented code costs about twice the CPU of a settled one: a timed scenario started
/// earlier measured the JIT beside a cold service instead of the running one.
/// </summary>
internal static class JitWarmUp
{
    /// <summary>A batch that compiles at most this many methods counts as settled (a new code path still trickles in).</summary>
    public const int SettledMethodsPerBatch = 50;

    public static async Task<string> UntilSettledAsync(Func<int, Task<bool>> chat, int batchSize, int concurrency, TimeSpan budget)
    {
        var started = Stopwatch.GetTimestamp();
        var (methodsBefore, jitBefore) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
        var (batches, settledInARow, lastBatchMethods) = (0, 0, 0L);
        while (settledInARow < 2 && Stopwatch.GetElapsedTime(started) < budget)
        {
            var before = JitInfo.GetCompiledMethodCount();
            var offset = batches * batchSize;
            await Scenarios.RunAsync("warm-up: chat", batchSize, concurrency, i => chat(offset + i));
            lastBatchMethods = JitInfo.GetCompiledMethodCount() - before;
            settledInARow = lastBatchMethods <= SettledMethodsPerBatch ? settledInARow + 1 : 0;
            batches++;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{batches * batchSize} chats in {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s, "
            + $"{(settledInARow >= 2 ? "settled" : "NOT settled within the budget")}: the JIT compiled "
            + $"{JitInfo.GetCompiledMethodCount() - methodsBefore} methods in {(JitInfo.GetCompilationTime() - jitBefore).TotalSeconds:F1} s of CPU, "
            + $"{lastBatchMethods} in the last batch of {batchSize}");
    }
}
