using System.Runtime.InteropServices;

namespace SystemTests.Harness;

/// <summary>POSIX signals for the service processes (.NET can only SIGKILL a process by itself).</summary>
internal static partial class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    /// <summary>False when the process no longer exists.</summary>
    public static bool Send(int pid, int signal) => KillNative(pid, signal) == 0;
}
