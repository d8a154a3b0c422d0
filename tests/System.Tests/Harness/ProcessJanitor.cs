using System.Collections.Concurrent;
using System.Diagnostics;

namespace SystemTests.Harness;

/// <summary>
/// Service processes never outlive the test process: every started process is tracked and SIGKILLed on
/// ProcessExit (normal end, unhandled exception, Ctrl+C of the runner) as well as on dispose.
/// </summary>
internal static class ProcessJanitor
{
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private static readonly Lazy<bool> Hook = new(() =>
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        return true;
    });

    public static void Track(Process process)
    {
        _ = Hook.Value;
        Live[process.Id] = process;
    }

    public static void Untrack(int pid) => Live.TryRemove(pid, out _);

    private static void KillAll()
    {
        foreach (var (pid, process) in Live)
        {
            try
            {
                Signals.Send(pid, Signals.SigCont);
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited: nothing to clean up.
            }
        }
    }
}
