using System.Globalization;

namespace ChatBench;

/// <summary>
/// The process's allocations, collections and GC pause time at one moment; the difference over a scenario divided by its
/// requests says what a chat turn allocates (ChatService runs in this process, beside the simulator and the client).
/// </summary>
internal readonly record struct GcSnapshot(long AllocatedBytes, int Gen0, int Gen1, int Gen2, TimeSpan Paused, TimeSpan Cpu, long JitMethods,
    TimeSpan JitTime)
{
    public static GcSnapshot Take()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new(GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GC.GetTotalPauseDuration(), process.TotalProcessorTime, System.Runtime.JitInfo.GetCompiledMethodCount(),
            System.Runtime.JitInfo.GetCompilationTime());
    }

    /// <summary>Per request since <paramref name="before"/>: allocated KB, CPU ms, collections by generation and the GC pause; in all,
    /// what the JIT compiled meanwhile (after the warm-up, little: the figures are of a settled process).</summary>
    public string Since(GcSnapshot before, int requests) => string.Create(CultureInfo.InvariantCulture,
        $"allocated {(AllocatedBytes - before.AllocatedBytes) / 1024.0 / requests:F0} KB, process CPU {(Cpu - before.Cpu).TotalMilliseconds / requests:F1} ms, "
        + $"GCs gen0 {Gen0 - before.Gen0} / gen1 {Gen1 - before.Gen1} / gen2 {Gen2 - before.Gen2} in all, "
        + $"GC pause {(Paused - before.Paused).TotalMilliseconds / requests:F2} ms; JIT in all {JitMethods - before.JitMethods} methods, "
        + $"{(JitTime - before.JitTime).TotalMilliseconds:F0} ms");
}
