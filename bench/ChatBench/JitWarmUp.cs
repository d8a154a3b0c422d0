using System.Globalization;
using System.Runtime;
using BenchFormat;

namespace ChatBench;

/// <summary>
/// Warms the in-process ChatService with batches of chats at the scenario's concurrency until the JIT settled
/// (<see cref="JitSettle"/>): a turn in tier-0 / instrumented code costs about twice the CPU of a settled one.
/// </summary>
internal static class JitWarmUp
{
    public static async Task<string> UntilSettledAsync(Func<int, Task<bool>> chat, int batchSize, int concurrency, TimeSpan budget)
    {
        var jitBefore = JitInfo.GetCompilationTime();
        var outcome = await JitSettle.UntilSettledAsync(_ => Task.FromResult<long[]>([JitInfo.GetCompiledMethodCount()]),
            batch => Scenarios.RunAsync("warm-up: chat", batchSize, concurrency, i => chat((batch * batchSize) + i)), budget);
        return string.Create(CultureInfo.InvariantCulture,
            $"{outcome.Steps * batchSize} chats in {outcome.Elapsed.TotalSeconds:F0} s, {outcome.State}: the JIT compiled "
            + $"{outcome.Compiled[0]} methods in {(JitInfo.GetCompilationTime() - jitBefore).TotalSeconds:F1} s of CPU, "
            + $"{outcome.CompiledInLastStep[0]} in the last batch of {batchSize}");
    }
}
